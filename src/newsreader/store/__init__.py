"""The article store: one SQLite file in the data directory.

WAL with a busy timeout so that two processes (two terminals, ``textual serve`` visitors, a cron
refresh) share it; every write is one ``BEGIN IMMEDIATE`` transaction, one per feed, so a failed
parse changes nothing already stored. Lists are read by keyset pagination on ``(sort_key, id)``,
never OFFSET and never all rows. The indexes (FTS5 over the title and the first ``INDEX_CHARS``
characters of the text; related articles, :mod:`newsreader.related.terms`) are written either
with the articles, in the same transaction, or afterwards by :meth:`Store.index_pending` in
large batches, as a refresh does (and for older stores, repairs, an interrupted refresh).

A connection belongs to the thread that opened it: open one ``Store`` per thread.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from newsreader.errors import SearchQueryError, StoreError, UsageError
from newsreader.models import (
    Article,
    ArticleRow,
    Caption,
    Enclosure,
    Feed,
    Page,
    ParsedFeed,
    RelatedLink,
    SourceKind,
    SourceRef,
    is_id,
)
from newsreader.related import terms as relatedindex
from newsreader.text.sanitize import clean_line, redact_credentials
from newsreader.text.searchquery import as_words, to_fts

SCHEMA_VERSION = 4
INDEX_CHARS = 1_500  # of each article's text: headline, lede and the first paragraphs
# An HTML body's text is stored as far as the indexes read it (related words: the first
# BODY_CHARS): the whole text is extracted from the body when the article is opened.
STORED_TEXT_CHARS = relatedindex.BODY_CHARS
BUSY_TIMEOUT_MS = 10_000
SUMMARY_CHARS = 300  # a summary derived from the text when the source gave none
SEARCH_WINDOW = 2_000  # matches ranked per search, newest first
SEARCH_PASS_CHECKPOINT_PAGES = 25_000  # 100 MB of WAL at most while the full-text index fills
WAL_SIZE_LIMIT = 16 * 1024 * 1024  # bytes the WAL file keeps after a checkpoint

_SCHEMA = f"""
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    user_title TEXT NOT NULL DEFAULT '',
    site_url TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    body_hash TEXT NOT NULL DEFAULT '',
    ttl_minutes INTEGER,
    last_fetched REAL,
    last_error TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    next_fetch_after REAL,
    added_at REAL NOT NULL
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '',
    published REAL,
    updated REAL,
    sort_key REAL NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    body_format TEXT NOT NULL DEFAULT 'html',
    text TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{{}}',
    content_hash TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    indexed INTEGER NOT NULL DEFAULT 0,
    fetched_at REAL NOT NULL,
    UNIQUE (feed_id, guid)
);
CREATE INDEX articles_by_date ON articles (sort_key DESC, id DESC);
CREATE INDEX articles_by_feed ON articles (feed_id, sort_key DESC, id DESC);
CREATE INDEX articles_unread ON articles (sort_key DESC, id DESC) WHERE read = 0;
CREATE INDEX articles_unindexed ON articles (id) WHERE indexed = 0;
CREATE INDEX articles_feed_read ON articles (feed_id, read);
CREATE VIEW articles_fts_source AS
    SELECT id, title, substr(text, 1, {INDEX_CHARS}) AS text FROM articles;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text,
    content = 'articles_fts_source', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0)');
-- in the full-text index (indexed = 1), not yet in the related-articles one: a refresh fills
-- the first for every article, then the second (search is ready seconds sooner)
CREATE TABLE related_pending (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
);
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles WHEN old.indexed = 1 BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, substr(old.text, 1, {INDEX_CHARS}));
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles
WHEN old.indexed = 1 BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.id, old.title, substr(old.text, 1, {INDEX_CHARS}));
    UPDATE articles SET indexed = 0 WHERE id = new.id;
END;
"""

_SCHEMA += relatedindex.SCHEMA

# version -> SQL that brings version-1 to version
_MIGRATIONS: dict[int, str] = {
    # the related-articles index: every article is indexed again, for both indexes
    2: relatedindex.SCHEMA
    + """
CREATE INDEX IF NOT EXISTS articles_feed_read ON articles (feed_id, read);
INSERT INTO articles_fts (articles_fts) VALUES ('delete-all');
UPDATE articles SET indexed = 0;
""",
    # postings by generation first: a batch writes into one small B-tree (relatedindex)
    3: relatedindex.postings_table("related_postings_v3")
    + """INSERT INTO related_postings_v3 (generation, term, article_id, weight)
    SELECT article_id >> """
    + str(relatedindex.GENERATION_BITS)
    + """, term, article_id, weight FROM related_postings ORDER BY 1, 2, 3;
DROP TABLE related_postings;
ALTER TABLE related_postings_v3 RENAME TO related_postings;
""",
    # the two indexes are filled one after the other
    4: """CREATE TABLE IF NOT EXISTS related_pending (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
);
""",
}

# CROSS JOIN: the few pending rows drive the join (SQLite's planner preferred to scan every
# article and look each one up among them, reading the whole table at every refresh)
PENDING_COUNT_SQL = (
    "SELECT (SELECT count(*) FROM articles WHERE indexed = 0) + (SELECT count(*)"
    " FROM related_pending p CROSS JOIN articles a ON a.id = p.article_id WHERE a.indexed = 1)"
)

_ROW_COLUMNS = (
    "a.id, a.feed_id, CASE WHEN f.user_title != '' THEN f.user_title "
    "WHEN f.title != '' THEN f.title ELSE f.url END, "
    "a.title, a.url, a.published, a.read, a.sort_key"
)


@dataclass(frozen=True, slots=True)
class StoreResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def _json_list(value: str) -> tuple[str, ...]:
    try:
        data = json.loads(value)
    except ValueError:
        return ()
    return tuple(str(v) for v in data) if isinstance(data, list) else ()


def _extra_to_json(article: Article) -> str:
    return json.dumps(
        {
            "captions": [[c.text, c.credit, c.image_url, c.alt] for c in article.captions],
            "sources": [[s.kind.value, s.name, s.url, s.place] for s in article.sources],
            "related": [
                [r.title, r.url, r.label, r.summary, r.group] for r in article.related_links
            ],
            "categories": list(article.categories),
            "enclosures": [[e.url, e.type, e.length] for e in article.enclosures],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _extra_from_json(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    sources = []
    for s in data.get("sources", []):
        try:
            sources.append(SourceRef(SourceKind(s[0]), s[1], s[2], s[3]))
        except (ValueError, IndexError, TypeError):
            continue
    return {
        "captions": tuple(Caption(*c[:4]) for c in data.get("captions", [])),
        "sources": tuple(sources),
        "related_links": tuple(RelatedLink(*r[:5]) for r in data.get("related", [])),
        "categories": tuple(data.get("categories", [])),
        "enclosures": tuple(Enclosure(*e[:3]) for e in data.get("enclosures", [])),
    }


def _content_hash(article: Article, extra_json: str) -> str:
    """A hash of what is stored of ``article`` (``extra_json``: its ``_extra_to_json``)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (article.title, article.url, article.body, article.summary, extra_json):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    digest.update(repr((article.published, article.updated, article.authors)).encode())
    return digest.hexdigest()


_ERROR_CAUSES = {
    "SQLITE_FULL": "disk full",
    "SQLITE_READONLY": "the store is read-only",
    "SQLITE_CORRUPT": "the store is damaged",
    "SQLITE_IOERR": "disk I/O error",
}


def describe(exc: sqlite3.Error) -> str:
    """One plain line for an SQLite error, its cause first where SQLite's words hide it."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    cause = _ERROR_CAUSES.get("_".join(name.split("_", 2)[:2]), "")
    detail = clean_line(str(exc))
    return f"{cause} ({detail})" if cause else detail


def _uri(path: Path, readonly: bool | str) -> str:
    """An SQLite URI for ``path``: a path may hold "?" or "#", which a URI must quote."""
    query = {False: "", True: "?mode=ro", "immutable": "?mode=ro&immutable=1"}[readonly]
    return f"file:{quote(str(path))}{query}"


def _read_only_medium(folder: Path) -> bool:
    try:
        return not os.access(folder, os.W_OK) or bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def schema_version(path: Path) -> int:
    """The schema version of the store at ``path`` (0: no store yet), read without a lock."""
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(_uri(path, True), uri=True)
        try:
            return int(db.execute("PRAGMA user_version").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0  # opening it as a Store reports what is wrong


class Store:
    def __init__(
        self, path: Path | str, *, readonly: bool | str = False, cache_mib: int = 32
    ) -> None:
        """``readonly``: True for a read-only connection, ``"immutable"`` for a store on a
        medium no one can write. ``cache_mib``: SQLite's page cache, most of a writer's
        memory (32 MiB keeps the full-text index's pages while many small transactions write;
        a refresh that writes in large batches needs less)."""
        self.path = Path(path)
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = _uri(self.path, readonly)
            self.db = sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self._use_wal()
                self.db.execute("PRAGMA synchronous = NORMAL")
                # the WAL grows to what a large indexing writes between checkpoints (100 MB);
                # while another connection (the reader) keeps the store open it is never
                # deleted: cut it back after each checkpoint
                self.db.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
                self.db.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")
                self._migrate()
        except sqlite3.Error as exc:
            reason = describe(exc)
            if not readonly and self.path.exists() and _read_only_medium(self.path.parent):
                reason = f"its folder or disk is read-only ({reason})"
            raise StoreError(f"cannot open store {self.path}: {reason}") from None
        except OSError as exc:  # the data folder is a file, or cannot be made
            parent = self.path.parent
            reason = (
                f"{parent} is a file, not a folder"
                if parent.exists() and not parent.is_dir()
                else exc.strerror or str(exc)
            )
            raise StoreError(f"cannot open store {self.path}: {reason}") from None

    def _use_wal(self) -> None:
        """Switch a new store to WAL. Two connections creating one store at once (the reader's
        first run starts two workers) meet here, and SQLite answers "database is locked" at
        once instead of waiting for the other: wait here, as the busy timeout would."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    @classmethod
    def for_reading(cls, path: Path | str) -> Store:
        """A store for commands that only read: the usual one where it can be written, else
        a read-only connection (a read-only disk or folder; WAL needs its ``-shm`` written,
        so a medium no one can write is opened as immutable)."""
        path = Path(path)
        try:
            return cls(path)
        except StoreError:
            if not path.exists() or not _read_only_medium(path.parent):
                raise
        try:
            store = cls(path, readonly=True)
            store.db.execute("SELECT count(*) FROM feeds").fetchone()  # reads through the WAL
        except (StoreError, sqlite3.Error):
            store = cls(path, readonly="immutable")
        if not store.schema_ready():
            store.close()
            raise StoreError(
                f"store {path} is read-only and must first be upgraded by this newsreader"
            )
        return store

    def close(self) -> None:
        self.db.close()

    def schema_ready(self) -> bool:
        """Whether the store is created and at this version (a read-only open checks)."""
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:  # a read-only open reads the file only now
            raise StoreError(f"cannot open store {self.path}: {describe(exc)}") from None
        return bool(version == SCHEMA_VERSION)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        # Every open (each CLI command, each worker) reads the version without a lock; only a
        # store that needs creating or upgrading takes the write lock, and checks again under it.
        if self.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        with self.write():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in _split_sql(_SCHEMA):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                return
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.path} was written by a newer newsreader (schema {version})"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _split_sql(_MIGRATIONS[target]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so two writers queue on the
        busy timeout instead of failing halfway. A failure rolls it back and says why (a full
        disk, a read-only store), as a :class:`StoreError`."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write store {self.path}: {describe(exc)}") from None
        try:
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"cannot write store {self.path}: {describe(exc)}") from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """SQLite has already rolled back after some errors (a full disk): never hide the
        cause behind 'no transaction is active'."""
        if self.db.in_transaction:
            # a broken connection cannot roll back: the journal undoes the rest on the next open
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    # -- feeds --------------------------------------------------------------------------
    def add_feed(self, url: str, title: str = "", tags: Sequence[str] = ()) -> Feed:
        with self.write():
            try:
                self.db.execute(
                    "INSERT INTO feeds (url, user_title, tags, added_at) VALUES (?, ?, ?, ?)",
                    (url, title, json.dumps(list(tags), ensure_ascii=False), time.time()),
                )
            except sqlite3.IntegrityError:
                raise UsageError(f"already subscribed: {redact_credentials(url)}") from None
        feed = self.feed_by_url(url)
        assert feed is not None
        return feed

    def remove_feed(self, url_or_id: str) -> Feed:
        feed = self.find_feed(url_or_id)
        with self.write():
            ids = [
                r[0]
                for r in self.db.execute("SELECT id FROM articles WHERE feed_id = ?", (feed.id,))
            ]
            relatedindex.remove_articles(self.db, ids)
            self.db.execute("DELETE FROM articles WHERE feed_id = ?", (feed.id,))
            self.db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
        return feed

    def find_feed(self, key: str) -> Feed:
        """A feed by id, URL or title (exact, then case-insensitive)."""
        if is_id(key):
            feed = self.feed_by_id(int(key))
            if feed:
                return feed
        feed = self.feed_by_url(key)
        if feed:
            return feed
        matches = [f for f in self.feeds() if f.display_title.lower() == key.lower()]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UsageError(f"more than one feed is called {key!r}: use its URL or id")
        raise UsageError(f"no such feed: {redact_credentials(key)}")

    def _feed_query(self, where: str = "", params: Sequence[Any] = ()) -> list[Feed]:
        rows = self.db.execute(
            f"""SELECT f.id, f.url, CASE WHEN f.user_title != '' THEN f.user_title ELSE f.title END,
                   f.site_url, f.tags, f.etag, f.last_modified, f.last_fetched, f.last_error,
                   f.error_count, f.next_fetch_after,
                   (SELECT count(*) FROM articles a WHERE a.feed_id = f.id),
                   (SELECT count(*) FROM articles a WHERE a.feed_id = f.id AND a.read = 0)
                FROM feeds f {where} ORDER BY f.id""",
            params,
        ).fetchall()
        return [
            Feed(
                id=r[0], url=r[1], title=r[2], site_url=r[3], tags=_json_list(r[4]), etag=r[5],
                last_modified=r[6], last_fetched=r[7], last_error=r[8], error_count=r[9],
                next_fetch_after=r[10], article_count=r[11], unread_count=r[12],
            )
            for r in rows
        ]  # fmt: skip

    def feeds(self) -> list[Feed]:
        return self._feed_query()

    def feed_by_id(self, feed_id: int) -> Feed | None:
        found = self._feed_query("WHERE f.id = ?", (feed_id,))
        return found[0] if found else None

    def feed_by_url(self, url: str) -> Feed | None:
        found = self._feed_query("WHERE f.url = ?", (url,))
        return found[0] if found else None

    def feed_body_hash(self, feed_id: int) -> str:
        row = self.db.execute("SELECT body_hash FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return row[0] if row else ""

    def record_error(
        self,
        feed_id: int,
        message: str,
        *,
        retry_at: float | None = None,
        when: float | None = None,
    ) -> None:
        """A failed refresh: the message is kept on the feed; its articles are untouched."""
        with self.write():
            self.db.execute(
                "UPDATE feeds SET last_error = ?, error_count = error_count + 1, last_fetched = ?,"
                " next_fetch_after = ? WHERE id = ?",
                (message, when or time.time(), retry_at, feed_id),
            )

    def record_unchanged(
        self,
        feed_id: int,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        when: float | None = None,
    ) -> None:
        """A refresh that found nothing new (304, or the same body as last time)."""
        self.record_unchanged_many([(feed_id, etag, last_modified)], when=when)

    def record_unchanged_many(
        self, feeds: Sequence[tuple[int, str | None, str | None]], *, when: float | None = None
    ) -> None:
        """Many feeds that had nothing new, in one transaction: (feed id, etag, last-modified)."""
        now = when or time.time()
        with self.write():
            self.db.executemany(
                """UPDATE feeds SET last_error = NULL, error_count = 0, last_fetched = ?,
                       etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),
                       next_fetch_after = CASE WHEN ttl_minutes IS NULL THEN NULL
                                          ELSE ? + ttl_minutes * 60 END
                   WHERE id = ?""",
                [(now, etag or None, modified or None, now, fid) for fid, etag, modified in feeds],
            )

    def move_feed(self, feed_id: int, new_url: str) -> bool:
        """A permanent redirect: the feed's URL becomes the new one (unless another feed has it)."""
        with self.write():
            taken = self.db.execute("SELECT 1 FROM feeds WHERE url = ?", (new_url,)).fetchone()
            if taken:
                return False
            self.db.execute("UPDATE feeds SET url = ? WHERE id = ?", (new_url, feed_id))
        return True

    # -- articles: writing --------------------------------------------------------------
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
        sorted batch costs a fraction of many small ones, and the text of an HTML body is
        extracted there too, on the parse workers, so that the articles are listed sooner (a
        third of what storing cost; :meth:`article` extracts it when one is opened before).
        The slow parts (hashes, the text of each new body) run before the write lock is taken,
        so parallel workers only queue for the writes themselves."""
        from newsreader.text.htmldoc import quick_text

        now = fetched_at or time.time()
        known = dict(
            self.db.execute(
                "SELECT guid, content_hash FROM articles WHERE feed_id = ?", (feed_id,)
            ).fetchall()
        )
        prepared = []
        for article in parsed.articles:
            extra_json = _extra_to_json(article)
            content_hash = _content_hash(article, extra_json)
            text = article.text
            if (
                index
                and not text
                and article.body_format == "html"
                and known.get(article.guid) != content_hash
            ):
                text = quick_text(article.body)[:STORED_TEXT_CHARS]
            prepared.append((article, content_hash, extra_json, text))
        new = updated = unchanged = 0
        with self.write():
            changed: list[tuple[int, Article, str]] = []
            for article, content_hash, extra_json, text in prepared:
                row = self.db.execute(
                    "SELECT id, content_hash FROM articles WHERE feed_id = ? AND guid = ?",
                    (feed_id, article.guid),
                ).fetchone()
                if row is not None and row[1] == content_hash:
                    unchanged += 1
                    continue
                if index and not text and article.body_format == "html":  # another writer was first
                    text = quick_text(article.body)[:STORED_TEXT_CHARS]
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
                    changed.append((cursor.lastrowid or 0, article, text))
                    new += 1
                else:
                    # the update trigger takes the old words out of the full-text index
                    self.db.execute(
                        """UPDATE articles SET url = ?, title = ?, authors = ?, published = ?,
                               updated = ?, sort_key = ?, summary = ?, body = ?, body_format = ?,
                               text = ?, extra = ?, content_hash = ?, indexed = 0
                           WHERE id = ?""",
                        (*values, row[0]),
                    )
                    changed.append((row[0], article, text))
                    updated += 1
            if index:
                self._index(
                    [
                        (
                            i,
                            a.title,
                            x,
                            relatedindex.count_terms(a.title, a.summary, x, a.url).packed(),
                        )
                        for i, a, x in changed
                    ]
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
        return StoreResult(new, updated, unchanged)

    def _index(self, items: list[tuple[int, str, str, relatedindex.PackedTerms]]) -> None:
        """Enter stored articles, ``(id, title, text, words)``, into both indexes, inside the
        caller's transaction. The full-text index gets the values from here: reading them back
        from the row walks past the body's overflow pages (0.3 ms an article)."""
        if not items:
            return
        items = sorted(items, key=lambda item: item[0])
        self.db.executemany(
            "UPDATE articles SET indexed = 1 WHERE id = ?", [(item[0],) for item in items]
        )
        self.db.executemany(
            "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
            [(i, title, text[:INDEX_CHARS]) for i, title, text, _ in items],
        )
        relatedindex.index_articles(self.db, [(i, counts) for i, _, _, counts in items])

    def index_pending(
        self,
        batch: int = 2_000,
        executor: Any = None,
        searchable: Callable[[], None] | None = None,
    ) -> int:
        """Index stored articles that are not yet in the indexes, ``batch`` per transaction:
        first the full-text index for all of them (``searchable`` is called when it is done),
        then the related-articles index, which costs about twice as much. The work outside
        SQLite (the text of an HTML body stored without it, the words of each article) is done
        before the write lock is taken, on ``executor``'s workers when one is given, the next
        batch's while this one is written; rows another process indexed meanwhile are skipped.
        Returns how many articles were completed."""
        self._index_text(batch, executor)
        if searchable is not None:
            searchable()
        return self._index_related(batch, executor)

    def _index_text(self, batch: int, executor: Any) -> int:
        def next_batch(after: int) -> tuple[list[tuple], Iterator[str]]:
            rows = self.db.execute(
                "SELECT id, title, text, CASE WHEN text = '' AND body_format = 'html'"
                " THEN body ELSE '' END FROM articles WHERE indexed = 0 AND id > ?"
                " ORDER BY id LIMIT ?",
                (after, batch),
            ).fetchall()
            bodies = [r[3] for r in rows if r[3]]
            # (id, title, text, has an HTML body): the bodies go with the work, not kept here
            return [(r[0], r[1], r[2], bool(r[3])) for r in rows], _mapped(
                executor, _text_of, bodies
            )

        done = 0
        rows, texts_of_bodies = next_batch(0)
        # Every page this pass writes is copied from the WAL into the database at checkpoints
        # (by default each 1,000 pages: at every batch's commit). Fewer of them while search
        # waits: 10,000 articles are searchable 0.6 s sooner; the related pass catches up.
        self.db.execute(f"PRAGMA wal_autocheckpoint = {SEARCH_PASS_CHECKPOINT_PAGES}")
        try:
            while rows:
                texts = iter(list(texts_of_bodies))
                following = next_batch(rows[-1][0])  # extracted while this batch is written
                with self.write():
                    still = self._still(rows, "SELECT id FROM articles WHERE indexed = 0 AND id IN")
                    items, extracted = [], []
                    with_text = {i for i, _title, _text, has_html in rows if has_html}
                    for article_id, title, text, has_html in rows:
                        if has_html:
                            text = next(texts)
                            extracted.append((text, article_id))
                        if article_id in still:
                            items.append((article_id, title, text))
                    # one rewrite of each row (its body with it) for its text and its state
                    self.db.executemany(
                        "UPDATE articles SET text = ?, indexed = 1 WHERE id = ?",
                        [pair for pair in extracted if pair[1] in still],
                    )
                    self.db.executemany(
                        "UPDATE articles SET indexed = 1 WHERE id = ?",
                        [(i,) for i, *_ in items if i not in with_text],
                    )
                    self.db.executemany(
                        "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                        [(i, title, text[:INDEX_CHARS]) for i, title, text in items],
                    )
                    self.db.executemany(
                        "INSERT OR IGNORE INTO related_pending (article_id) VALUES (?)",
                        [(i[0],) for i in items],
                    )
                done += len(items)
                rows, texts_of_bodies = following
        finally:
            self.db.execute("PRAGMA wal_autocheckpoint = 1000")
        return done

    def _index_related(self, batch: int, executor: Any) -> int:
        def next_batch(after: int) -> tuple[list[int], Iterator[relatedindex.PackedTerms]]:
            rows = self.db.execute(
                "SELECT a.id, a.title, a.summary, a.text, a.url FROM related_pending p"
                " CROSS JOIN articles a ON a.id = p.article_id"
                " WHERE p.article_id > ? AND a.indexed = 1 ORDER BY p.article_id LIMIT ?",
                (after, batch),
            ).fetchall()
            return [r[0] for r in rows], _mapped(executor, _terms_of, [r[1:] for r in rows])

        done = 0
        ids, terms_of_rows = next_batch(0)
        while ids:
            terms = list(terms_of_rows)
            following = next_batch(ids[-1])  # counted while this batch is written
            with self.write():
                still = self._still(
                    [(i,) for i in ids],
                    "SELECT p.article_id FROM related_pending p CROSS JOIN articles a"
                    " ON a.id = p.article_id WHERE a.indexed = 1 AND p.article_id IN",
                )
                items = [(i, t) for i, t in zip(ids, terms, strict=True) if i in still]
                relatedindex.index_articles(self.db, items)
                self.db.executemany(
                    "DELETE FROM related_pending WHERE article_id = ?", [(i,) for i, _ in items]
                )
            done += len(items)
            ids, terms_of_rows = following
        return done

    def _still(self, rows: Sequence[tuple], select_in: str) -> set[int]:
        """The ids of ``rows`` that ``select_in`` (``... IN``) still finds, in this transaction."""
        marks = ",".join("?" * len(rows))
        return {r[0] for r in self.db.execute(f"{select_in} ({marks})", [r[0] for r in rows])}

    def pending_index_count(self) -> int:
        """Articles not yet in both indexes."""
        return self.db.execute(PENDING_COUNT_SQL).fetchone()[0]

    def set_read(self, article_ids: Iterable[int], read: bool = True) -> int:
        ids = list(article_ids)
        if not ids:
            return 0
        changed = 0
        with self.write():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                cursor = self.db.execute(
                    f"UPDATE articles SET read = ? WHERE id IN ({marks}) AND read != ?",
                    (int(read), *chunk, int(read)),
                )
                changed += cursor.rowcount
        return changed

    def mark_view_read(self, feed_id: int | None = None) -> int:
        return len(self.mark_read_returning(feed_id))

    def mark_read_returning(self, feed_id: int | None = None) -> list[int]:
        """Mark every unread article (of one feed) read; the ids it marked, to undo it."""
        where, params = ("", ()) if feed_id is None else (" AND feed_id = ?", (feed_id,))
        with self.write():
            rows = self.db.execute(
                f"UPDATE articles SET read = 1 WHERE read = 0{where} RETURNING id", params
            ).fetchall()
        return [r[0] for r in rows]

    # -- articles: reading --------------------------------------------------------------
    def page(
        self,
        *,
        after: tuple[float, int] | None = None,
        limit: int = 50,
        feed_id: int | None = None,
        unread_only: bool = False,
        tag: str | None = None,
    ) -> Page:
        """One page of the newest-first list, starting after the cursor ``(sort_key, id)``."""
        rows = self.rows_at(
            0, limit + 1, feed_id=feed_id, tag=tag, unread_only=unread_only, after=after
        )
        items = tuple(rows[:limit])
        cursor = (items[-1].sort_key, items[-1].id) if len(rows) > limit and items else None
        return Page(items, cursor)

    def _view_where(
        self, feed_id: int | None, tag: str | None, unread_only: bool
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if feed_id is not None:
            where.append("a.feed_id = ?")
            params.append(feed_id)
        if unread_only:
            where.append("a.read = 0")
        if tag is not None:
            where.append(
                "a.feed_id IN (SELECT f2.id FROM feeds f2, json_each(f2.tags) t WHERE t.value = ?)"
            )
            params.append(tag)
        return where, params

    def rows_at(
        self,
        offset: int,
        limit: int,
        *,
        feed_id: int | None = None,
        tag: str | None = None,
        unread_only: bool = False,
        after: tuple[float, int] | None = None,
    ) -> list[ArticleRow]:
        """Rows by position in the newest-first list: from the cursor ``after`` when the caller
        has the row before (scrolling), else by ``offset`` over the index (a jump)."""
        where, params = self._view_where(feed_id, tag, unread_only)
        if after is not None:
            where.append("(a.sort_key, a.id) < (?, ?)")
            params.extend(after)
            offset = 0
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        rows = self.db.execute(
            f"""SELECT {_ROW_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id {clause}
                ORDER BY a.sort_key DESC, a.id DESC LIMIT ? OFFSET ?""",
            (*params, limit, offset),
        ).fetchall()
        return [_row(r) for r in rows]

    def position_of(
        self,
        sort_key: float,
        article_id: int,
        *,
        feed_id: int | None = None,
        tag: str | None = None,
        unread_only: bool = False,
    ) -> int:
        """How many rows of the view come before this one (its index in the list)."""
        where, params = self._view_where(feed_id, tag, unread_only)
        where.append("(a.sort_key, a.id) > (?, ?)")
        params.extend((sort_key, article_id))
        return self.db.execute(
            f"SELECT count(*) FROM articles a WHERE {' AND '.join(where)}", params
        ).fetchone()[0]

    def count(
        self, *, feed_id: int | None = None, tag: str | None = None, unread_only: bool = False
    ) -> int:
        where, params = self._view_where(feed_id, tag, unread_only)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        return self.db.execute(f"SELECT count(*) FROM articles a {clause}", params).fetchone()[0]

    def next_unread(
        self,
        sort_key: float,
        article_id: int,
        *,
        forward: bool = True,
        feed_id: int | None = None,
        tag: str | None = None,
        unread_only: bool = False,
    ) -> tuple[int, ArticleRow] | None:
        """The next (older) or previous (newer) unread row of the view, with its position in
        the view (``unread_only``: the view lists unread rows only)."""
        where, params = self._view_where(feed_id, tag, True)
        op, order = ("<", "DESC") if forward else (">", "ASC")
        where.append(f"(a.sort_key, a.id) {op} (?, ?)")
        params.extend((sort_key, article_id))
        row = self.db.execute(
            f"""SELECT {_ROW_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id
                WHERE {" AND ".join(where)}
                ORDER BY a.sort_key {order}, a.id {order} LIMIT 1""",
            params,
        ).fetchone()
        if row is None:
            return None
        found = _row(row)
        position = self.position_of(
            found.sort_key, found.id, feed_id=feed_id, tag=tag, unread_only=unread_only
        )
        return position, found

    def ids_by_url(self, urls: Sequence[str]) -> dict[str, int]:
        """Stored article ids for these URLs (bookmarks point at articles by URL)."""
        found: dict[str, int] = {}
        wanted = list(dict.fromkeys(u for u in urls if u))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for article_id, url in self.db.execute(
                f"SELECT id, url FROM articles WHERE url IN ({marks})", chunk
            ):
                found.setdefault(url, article_id)
        return found

    def tags(self) -> list[str]:
        return sorted(
            {t for (t,) in self.db.execute("SELECT t.value FROM feeds, json_each(feeds.tags) t")}
        )

    def search(self, query: str, limit: int = 50) -> list[ArticleRow]:
        """Plain words as typed, FTS5 syntax where the user wrote it (:mod:`.searchquery`);
        a query whose syntax FTS5 refuses is searched for its words."""
        query = query.strip()
        if not query:
            raise SearchQueryError("empty search query")
        error: sqlite3.OperationalError | None = None
        for fts in dict.fromkeys((to_fts(query), as_words(query))):
            if not fts:
                continue
            try:
                return self._search(fts, limit)
            except sqlite3.OperationalError as exc:
                error = exc
        raise SearchQueryError(
            f"cannot search for {clean_line(query)!r}"
            + (f" ({clean_line(str(error))})" if error else ": it has no words")
        )

    def _search(self, fts: str, limit: int) -> list[ArticleRow]:
        # BM25 over the newest SEARCH_WINDOW matches only: a word found in every article
        # then costs what a rare one does, instead of ranking 100,000 rows
        rows = self.db.execute(
            f"""SELECT {_ROW_COLUMNS} FROM (
                    SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?
                    ORDER BY rowid DESC LIMIT ?) AS hit
                JOIN articles a ON a.id = hit.rowid
                JOIN feeds f ON f.id = a.feed_id
                ORDER BY hit.rank LIMIT ?""",
            (fts, SEARCH_WINDOW, limit),
        ).fetchall()
        return [_row(r) for r in rows]

    def article(self, article_id: int) -> Article | None:
        row = self.db.execute(
            """SELECT id, feed_id, guid, url, title, authors, published, updated, summary, body,
                   body_format, text, extra, read, fetched_at FROM articles WHERE id = ?""",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        text = row[11]
        if row[10] == "html" and (not text or len(text) >= STORED_TEXT_CHARS):
            # not indexed yet, or only the start the indexes read was kept: from the body
            from newsreader.text.htmldoc import quick_text

            text = quick_text(row[9])
        if row[8]:
            summary = row[8]
        else:
            from newsreader.feeds.normalize import title_from_text  # lxml: only when needed

            summary = title_from_text(text, SUMMARY_CHARS)
        extra = _extra_from_json(row[12])
        return Article(
            id=row[0], feed_id=row[1], guid=row[2], url=row[3], title=row[4],
            authors=tuple(a for a in row[5].split("\n") if a), published=row[6], updated=row[7],
            summary=summary, body=row[9], body_format=row[10], text=text, read=bool(row[13]),
            fetched_at=row[14], **extra,
        )  # fmt: skip

    def article_row(self, article_id: int) -> ArticleRow | None:
        row = self.db.execute(
            f"SELECT {_ROW_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id"
            " WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        return _row(row) if row else None

    def change_marker(self) -> tuple[int, float, int]:
        """What tells that another process (a cron refresh, a second reader) changed the store:
        the newest article id, the latest fetch time and the unread count, all from indexes."""
        newest, fetched = self.db.execute(
            "SELECT (SELECT max(id) FROM articles), (SELECT max(last_fetched) FROM feeds)"
        ).fetchone()
        return newest or 0, fetched or 0.0, self.count(unread_only=True)

    def counts(self) -> tuple[int, int]:
        """(articles, unread) in the whole store."""
        return self.count(), self.count(unread_only=True)


def _mapped(executor: Any, fn: Callable[[Any], Any], work: list[Any]) -> Iterator[Any]:
    """``map`` on ``executor``'s workers when there is enough work to be worth sending."""
    if executor is not None and len(work) > 50:
        return executor.map(fn, work, chunksize=max(1, len(work) // 16))
    return map(fn, work)


def _text_of(html: str) -> str:
    """The words of an HTML body, for the indexes ("" when extraction fails: a bug one body
    meets must not stop every later refresh's indexing; the article is indexed by its title).
    Module level, so that a process pool can run it."""
    from newsreader.text.htmldoc import quick_text

    try:
        return quick_text(html)[:STORED_TEXT_CHARS]
    except Exception:
        return ""


def _terms_of(row: tuple[str, str, str, str]) -> relatedindex.PackedTerms:
    """``(title, summary, text, url)`` -> the words for the related index, as compact arrays
    (they cross a pipe). Module level, so that a process pool can run it."""
    title, summary, text, url = row
    try:
        return relatedindex.count_terms(title, summary, text, url).packed()
    except Exception:  # as in _text_of
        return relatedindex.count_terms(title, "", "").packed()


@functools.lru_cache(maxsize=4096)
def _shown_feed_title(title: str) -> str:
    """A row's feed title: the feed's URL when it has no title, which may hold credentials
    (and, in a store from before the sanitiser saw paths, escapes). A list repeats a few."""
    return redact_credentials(clean_line(title))


def _row(r: Sequence[Any]) -> ArticleRow:
    return ArticleRow(
        id=r[0], feed_id=r[1], feed_title=_shown_feed_title(r[2]), title=r[3], url=r[4],
        published=r[5], read=bool(r[6]), sort_key=r[7],
    )  # fmt: skip


def _split_sql(script: str) -> list[str]:
    """Statements of a schema script; a trigger body's semicolons stay inside its statement."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.strip().splitlines():
        current.append(line)
        joined = "\n".join(current).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    if "".join(current).strip():
        statements.append("\n".join(current))
    return statements
