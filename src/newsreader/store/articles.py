"""Writing articles: one feed's articles stored in one transaction, and their read state."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from newsreader.models import ALL_ARTICLES, Article, ParsedFeed, ViewFilter
from newsreader.related import terms as relatedindex
from newsreader.store import codec
from newsreader.store.indexing import STORED_TEXT_CHARS, Indexing, text_of, words_of
from newsreader.store.queries import view_where
from newsreader.store.syncstate import SyncState


@dataclass(frozen=True, slots=True)
class StoreResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    changed: tuple[tuple[int, str], ...] = ()  # (id, guid) of what was new or updated


class ArticleRecords(Indexing, SyncState):
    def store_feed(
        self,
        feed_id: int,
        parsed: ParsedFeed,
        *,
        body_hash: str = "",
        etag: str = "",
        last_modified: str = "",
        fetched_at: float | None = None,
        index: bool = True,
    ) -> StoreResult:
        """Store one feed's articles and metadata in one transaction. An article already
        stored is updated in place when its content changed, and keeps its read state.

        With ``index`` the new and changed articles enter both indexes (full text, related) in
        the same transaction: searchable at once. Without it they are left for
        :meth:`index_pending`, which a refresh runs once over everything it stored: one large
        sorted batch costs a fraction of many small ones. Either way the slow parts (hashes,
        the text of each new HTML body, the words the related index counts) run here, before
        the write lock is taken, so parallel workers only queue for the writes themselves; the
        words wait in ``related_pending`` for the related pass.
        """

        now = fetched_at or time.time()
        known = dict(
            self.db.execute(
                "SELECT guid, content_hash FROM articles WHERE feed_id = ?", (feed_id,)
            ).fetchall()
        )
        prepared = []
        for article in parsed.articles:
            extra_json = codec.extra_to_json(article)
            content_hash = codec.content_hash(article, extra_json)
            words = None
            text = article.text
            if known.get(article.guid) != content_hash:  # new or changed: counted here
                text, words = _text_and_words(article)
            prepared.append((article, content_hash, extra_json, text, words))
        new = updated = unchanged = 0
        with self.write():
            changed: list[tuple[int, Article, str, bytes | None]] = []
            for article, content_hash, extra_json, text, words in prepared:
                row = self.db.execute(
                    "SELECT id, content_hash FROM articles WHERE feed_id = ? AND guid = ?",
                    (feed_id, article.guid),
                ).fetchone()
                if row is not None and row[1] == content_hash:
                    unchanged += 1
                    continue
                if words is None:  # another writer stored what this one saw as unchanged
                    text, words = _text_and_words(article)
                values = (
                    article.url, article.title, "\n".join(article.authors), article.published,
                    article.updated, article.published if article.published is not None else 0.0,
                    article.summary, article.body, article.body_format, text,
                    extra_json, content_hash,
                )  # fmt: skip
                if row is None:
                    cursor = self.db.execute(
                        """INSERT INTO articles (url, title, authors, published, updated, sort_key,
                               summary, body, body_format, text, extra, content_hash, feed_id,
                               guid, fetched_at, indexed)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)""",
                        (*values, feed_id, article.guid, now),
                    )
                    changed.append((cursor.lastrowid or 0, article, text, words))
                    new += 1
                else:
                    kept = self.db.execute(  # the text read from its page outlives the feed's
                        "SELECT text FROM full_texts WHERE article_id = ? AND error = ''",
                        (row[0],),
                    ).fetchone()
                    if kept is not None:
                        text, words = kept[0][:STORED_TEXT_CHARS], None  # counted later
                        values = (*values[:9], text, *values[10:])
                    # the update trigger takes the old words out of the full-text index
                    self.db.execute(
                        """UPDATE articles SET url = ?, title = ?, authors = ?, published = ?,
                               updated = ?, sort_key = ?, summary = ?, body = ?, body_format = ?,
                               text = ?, extra = ?, content_hash = ?, indexed = 0
                           WHERE id = ?""",
                        (*values, row[0]),
                    )
                    changed.append((row[0], article, text, words))
                    updated += 1
            if index and self.indexes:
                self._index(
                    [
                        (
                            i,
                            a.title,
                            x,
                            relatedindex.PackedTerms.from_bytes(w)
                            if w
                            else relatedindex.packed_terms(a.title, a.summary, x, a.url),
                        )
                        for i, a, x, w in changed
                    ]
                )
            else:
                self.db.executemany(
                    "INSERT OR REPLACE INTO related_pending (article_id, terms) VALUES (?, ?)",
                    [(i, w) for i, _a, _x, w in changed],
                )
            self.db.execute(
                """UPDATE feeds SET title = ?, site_url = ?, body_hash = ?, etag = ?,
                       last_modified = ?, ttl_minutes = ?, last_fetched = ?, last_error = NULL,
                       error_count = 0, next_fetch_after = ? WHERE id = ?""",
                (
                    parsed.title, parsed.site_url, body_hash, etag, last_modified,
                    parsed.ttl_minutes, now,
                    now + parsed.ttl_minutes * 60 if parsed.ttl_minutes else None, feed_id,
                ),
            )  # fmt: skip
        return StoreResult(new, updated, unchanged, tuple((i, a.guid) for i, a, *_ in changed))

    def set_read(self, article_ids: Iterable[int], read: bool = True) -> int:
        """Mark articles read or unread; how many changed. In a store that follows a server,
        each change is queued for it in the same transaction."""
        ids = list(article_ids)
        if not ids:
            return 0
        changed: list[int] = []
        with self.write():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                changed += [
                    row[0]
                    for row in self.db.execute(
                        f"UPDATE articles SET read = ? WHERE id IN ({marks}) AND read != ?"
                        " RETURNING id",
                        (int(read), *chunk, int(read)),
                    )
                ]
            self.queue_marks("read" if read else "unread", changed)
        return len(changed)

    def mark_view_read(self, view: ViewFilter = ALL_ARTICLES) -> int:
        return len(self.mark_read_returning(view))

    def mark_read_returning(self, view: ViewFilter = ALL_ARTICLES) -> list[int]:
        """Mark every unread article of the view read; the ids it marked, to undo it."""
        where, params = view_where(replace(view, unread_only=True))
        with self.write():
            rows = self.db.execute(
                f"UPDATE articles AS a SET read = 1 WHERE {' AND '.join(where)} RETURNING id",
                params,
            ).fetchall()
            ids = [r[0] for r in rows]
            self.queue_marks("read", ids)
        return ids


def _text_and_words(article: Article) -> tuple[str, bytes]:
    """What is stored of a new or changed article's text (the start of an HTML body's words,
    as far as the indexes read) and the words the related index counts in it, packed as the
    store keeps them, as the indexing would work them out (a body that makes extraction fail
    is stored without text: a bug one body meets must not stop its feed, nor every later
    refresh of it)."""
    text = article.text
    if not text and article.body_format == "html":
        text = text_of(article.body)
    return text, words_of((article.title, article.summary, text, article.url))
