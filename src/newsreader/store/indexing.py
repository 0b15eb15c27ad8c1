"""Both indexes of the stored articles, full text (FTS5) and related articles: written with the
articles, in their transaction, or afterwards in large batches by :meth:`Indexing.index_pending`,
as a refresh does (and for older stores, repairs, an interrupted refresh)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from newsreader.related import terms as relatedindex
from newsreader.store import postings, searchindex
from newsreader.store.connection import Connection
from newsreader.store.schema import PENDING_COUNT_SQL

# An HTML body's text is stored as far as the indexes read it (related words: the first
# BODY_CHARS): the whole text is extracted from the body when the article is opened.
STORED_TEXT_CHARS = relatedindex.BODY_CHARS

SEARCH_PASS_CHECKPOINT_PAGES = (
    25_000  # pages of WAL between checkpoints while the full-text index fills
)


class Indexing(Connection):
    def _index(self, items: list[tuple[int, str, str, relatedindex.PackedTerms]]) -> None:
        """Enter stored articles, ``(id, title, text, words)``, into both indexes, inside the
        caller's transaction, which holds every file's lock. The full-text index gets the values
        from here: reading them back from the row walks past the body's overflow pages."""
        if not items:
            return
        items = sorted(items, key=lambda item: item[0])
        self.db.executemany(
            "UPDATE articles SET indexed = 1 WHERE id = ?", [(item[0],) for item in items]
        )
        searchindex.index(self.db, [(i, title, text) for i, title, text, _ in items])
        postings.index_articles(self.db, [(i, counts) for i, _, _, counts in items])

    def index_pending(
        self,
        batch: int = 2_000,
        executor: Any = None,
        searchable: Callable[[], None] | None = None,
    ) -> int:
        """Index stored articles that are not yet in the indexes, ``batch`` per transaction:
        first the full-text index for all of them (``searchable`` is called when it is done),
        then the related-articles index, which costs about twice as much. The words a refresh
        counted when it stored an article are read back; what was stored without them (the
        text of an HTML body, the words of an article changed since or stored by an older
        version) is worked out before the write lock is taken, on ``executor``'s workers when
        one is given, the next batch's while this one is written; rows another process
        indexed meanwhile are skipped. Returns how many articles were completed."""
        self._index_text(batch, executor)
        if searchable is not None:
            searchable()
        return self._index_related(batch, executor)

    def index_available(self, batch: int = 500, most: int = 2_000) -> tuple[int, int]:
        """Index what is stored now in whole batches, both indexes, in this process (while a
        refresh is still storing). Less than ``batch`` waits for more, as many small batches
        cost more than a few large ones; more is taken in one transaction, up to ``most``: a
        job that fell behind catches up with fewer commits (each rewrites the pages of the
        index the batch touched, nearly all of the newest postings). Returns how many
        articles entered the full-text index, and how many were completed."""

        def size(waiting_sql: str) -> int:
            return min(max(self.db.execute(waiting_sql).fetchone()[0], batch), most)

        searched = self._index_text(
            size("SELECT count(*) FROM articles WHERE indexed = 0"), None, whole=True
        )
        related = self._index_related(
            size(
                "SELECT count(*) FROM related_pending p CROSS JOIN articles a"
                " ON a.id = p.article_id WHERE a.indexed = 1"
            ),
            None,
            whole=True,
        )
        return searched, related

    def _index_text(self, batch: int, executor: Any, *, whole: bool = False) -> int:
        """The full-text pass. Each batch is written in a transaction of the search file alone
        (with the deleted articles waiting to leave it), then marked indexed in a short one of
        the articles file, where each article is as it was read (same content, not indexed
        since): the refresh's workers store articles meanwhile. One changed in between is
        indexed again, in place, by the next batch that reads it; one deleted waits in
        ``search_gone`` for the next batch or sweep."""

        def next_batch(after: int) -> tuple[list[tuple], Iterator[str]]:
            rows = self.db.execute(
                "SELECT id, title, text, CASE WHEN text = '' AND body_format = 'html'"
                " THEN body ELSE '' END, content_hash FROM articles WHERE indexed = 0 AND id > ?"
                " ORDER BY id LIMIT ?",
                (after, batch),
            ).fetchall()
            if whole and len(rows) < batch:
                rows = []
            bodies = [r[3] for r in rows if r[3]]
            # (id, title, text, has an HTML body, content hash): the bodies go with the work
            return [(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows], _mapped(
                executor, text_of, bodies
            )

        done = 0
        rows, texts_of_bodies = next_batch(0)
        gone = searchindex.gone(self.db)
        # Every page this pass writes is copied from the WAL into the database at checkpoints
        # (by default each 1,000 pages: at every batch's commit). Fewer of them while search
        # waits: the articles are searchable sooner; the related pass catches up.
        self.db.execute(f"PRAGMA wal_autocheckpoint = {SEARCH_PASS_CHECKPOINT_PAGES}")
        try:
            while rows or gone:
                texts = iter(list(texts_of_bodies))
                following = next_batch(rows[-1][0]) if rows else ([], iter(()))
                items = []  # (id, title, text, the text extracted here, content hash)
                for article_id, title, text, has_html, content_hash in rows:
                    extracted = next(texts) if has_html else None
                    text = text if extracted is None else extracted
                    items.append((article_id, title, text, extracted, content_hash))
                with self.write_search():
                    searchindex.remove_gone(self.db, gone)
                    searchindex.index(self.db, [(i, title, text) for i, title, text, *_ in items])
                with self.write():
                    still = self._still_as_read(items)
                    # one rewrite of each row (its body with it) for its text and its state
                    self.db.executemany(
                        "UPDATE articles SET text = ?, indexed = 1 WHERE id = ?",
                        [(x, i) for i, _t, _x, x, _h in items if i in still and x is not None],
                    )
                    self.db.executemany(
                        "UPDATE articles SET indexed = 1 WHERE id = ?",
                        [(i,) for i, _t, _x, x, _h in items if i in still and x is None],
                    )
                    self.db.executemany(
                        "INSERT OR IGNORE INTO related_pending (article_id) VALUES (?)",
                        [(i,) for i in sorted(still)],
                    )
                    self.db.executemany(
                        "DELETE FROM search_gone WHERE article_id = ?", [(i,) for i in gone]
                    )
                done += len(still)
                gone = []
                rows, texts_of_bodies = following
        finally:
            self.db.execute("PRAGMA wal_autocheckpoint = 1000")
        return done

    def _still_as_read(self, items: Sequence[tuple]) -> set[int]:
        """The ids of ``items`` (id, title, text, the text extracted here, content hash)
        whose articles are, in this transaction, still unindexed and as they were read."""
        sql = "SELECT id, title, text, content_hash FROM articles WHERE indexed = 0 AND id IN ({})"
        now = {row[0]: row[1:] for row in postings.rows_in(self.db, sql, [i[0] for i in items])}
        return {
            i
            for i, title, text, extracted, content_hash in items
            if now.get(i) == (title, "" if extracted is not None else text, content_hash)
        }

    def _index_related(self, batch: int, executor: Any, *, whole: bool = False) -> int:
        """The related pass. Each batch is written in a transaction of the related file alone,
        then taken off ``related_pending`` in a short one of the articles file, where each
        article is as it was read (its words and content unchanged, still in the full-text
        index): the refresh's workers store articles meanwhile. One changed in between is
        indexed again by the next batch that reads it; one deleted, taken out again by
        :func:`postings.sweep_gone`."""

        def next_batch(after: int) -> tuple[list[tuple], Iterator[relatedindex.PackedTerms]]:
            # the words a refresh counted when it stored the article; the others counted here
            rows = self.db.execute(
                "SELECT a.id, p.terms, a.content_hash FROM related_pending p"
                " CROSS JOIN articles a ON a.id = p.article_id"
                " WHERE p.article_id > ? AND a.indexed = 1 ORDER BY p.article_id LIMIT ?",
                (after, batch),
            ).fetchall()
            if whole and len(rows) < batch:
                rows = []
            stored = [_unpacked(r[1]) for r in rows]
            # the text is read only for what was stored without its words
            missing = [r[0] for r, s in zip(rows, stored, strict=True) if s is None]
            sql = "SELECT id, title, summary, text, url FROM articles WHERE id IN ({})"
            texts = {r[0]: r[1:] for r in postings.select_in(self.db, sql, missing)}
            # (an article deleted meanwhile counts as empty: the sweep takes it out)
            uncounted = [texts.get(i, ("", "", "", "")) for i in missing]
            counted = map(
                relatedindex.PackedTerms.from_bytes, _mapped(executor, words_of, uncounted)
            )
            return rows, (s if s is not None else next(counted) for s in stored)

        done = 0
        rows, terms_of_rows = next_batch(0)
        while rows:
            items = [(r[0], terms) for r, terms in zip(rows, terms_of_rows, strict=True)]
            following = next_batch(rows[-1][0])  # counted while this batch is written
            # weighed before the write lock is taken; written as weighed unless another writer
            # changed the index meanwhile
            prepared = postings.prepare_batch(self.db, items)
            with self.write_related():
                if not postings.write_batch(self.db, prepared):
                    postings.index_articles(self.db, items)
            del prepared  # written: its rows are not kept while the next batch is weighed
            with self.write():
                before = self.db.total_changes
                self.db.executemany(
                    "DELETE FROM related_pending WHERE article_id = ? AND terms IS ?"
                    " AND EXISTS (SELECT 1 FROM articles WHERE id = ? AND content_hash = ?"
                    " AND indexed = 1)",
                    [(i, terms, i, content_hash) for i, terms, content_hash in rows],
                )
                done += self.db.total_changes - before
            rows, terms_of_rows = following
        postings.sweep_gone(self)
        return done

    def pending_index_count(self) -> int:
        """Articles not yet in both indexes."""
        return self.db.execute(PENDING_COUNT_SQL).fetchone()[0]


def _mapped(executor: Any, fn: Callable[[Any], Any], work: list[Any]) -> Iterator[Any]:
    """``map`` on ``executor``'s workers when there is enough work to be worth sending."""
    if executor is not None and len(work) > 50:
        return executor.map(fn, work, chunksize=max(1, len(work) // 16))
    return map(fn, work)


def text_of(html: str) -> str:
    """The words of an HTML body, for the indexes ("" when extraction fails: a bug one body
    meets must not stop every later refresh's indexing; the article is indexed by its title).
    Module level, so that a process pool can run it."""
    from newsreader.text.htmldoc import quick_text

    try:
        return quick_text(html)[:STORED_TEXT_CHARS]
    except Exception:
        return ""


def _unpacked(blob: bytes | None) -> relatedindex.PackedTerms | None:
    """The words stored with an article (None: none stored, or not readable as such)."""
    if not blob:
        return None
    try:
        return relatedindex.PackedTerms.from_bytes(blob)
    except ValueError:
        return None


def words_of(row: tuple[str, str, str, str]) -> bytes:
    """``(title, summary, text, url)`` -> the words for the related index, packed as the store
    keeps them (:meth:`PackedTerms.to_bytes`: what crosses a pipe and waits in
    ``related_pending``). Module level, so that a process pool can run it."""
    title, summary, text, url = row
    try:
        return relatedindex.packed_words(title, summary, text, url)
    except Exception:  # as in text_of
        return relatedindex.packed_words(title, "", "")
