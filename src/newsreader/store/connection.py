"""One connection to the store: opened, created or upgraded, and written one transaction at a
time. Everything else in the store builds on :class:`Connection`.

WAL with a busy timeout so that two processes (two terminals, ``textual serve`` visitors, a cron
refresh) share it; every write is one ``BEGIN IMMEDIATE`` transaction, so a failed write changes
nothing already stored. A connection belongs to the thread that opened it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Self
from urllib.parse import quote

from newsreader.models import StoreError
from newsreader.related.terms import GENERATION_BITS
from newsreader.store.schema import (
    MIGRATIONS,
    OLD_SEARCH_DROPPED,
    RELATED_FILE_SCHEMA,
    RELATED_FILE_SINCE,
    RELATED_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    SEARCH_FILE_SCHEMA,
    SEARCH_FILE_SINCE,
    SEARCH_TABLES,
    related_schema,
    search_docs_of_indexed,
    search_schema,
    split_sql,
)
from newsreader.text.sanitize import clean_line

BUSY_TIMEOUT_MS = 10_000
LOCK_STEP_MS = 2  # each try for the write lock waits this long inside SQLite

WAL_SIZE_LIMIT = 16 * 1024 * 1024  # bytes the WAL file keeps after a checkpoint


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


def related_path(path: Path) -> Path:
    """The related-articles index's file beside the store at ``path``."""
    return path.with_name(f"{path.stem}.related{path.suffix}")


def search_path(path: Path) -> Path:
    """The full-text index's file beside the store at ``path``."""
    return path.with_name(f"{path.stem}.search{path.suffix}")


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


_TAKE_RELATED_LOCK = f"UPDATE {RELATED_FILE_SCHEMA}.related_stats SET docs = docs WHERE id = 1"
_TAKE_SEARCH_LOCK = f"DELETE FROM {SEARCH_FILE_SCHEMA}.search_docs WHERE 0"


def _present(schema: str, table: str) -> str:
    return f"SELECT count(*) FROM {schema}.sqlite_master WHERE name = '{table}'"


_RELATED_PRESENT = _present(RELATED_FILE_SCHEMA, "related_stats")
_SEARCH_PRESENT = _present(SEARCH_FILE_SCHEMA, "articles_fts")


class Connection:
    def __init__(
        self,
        path: Path | str,
        *,
        readonly: bool | str = False,
        cache_mib: int = 32,
        indexes: bool = True,
    ) -> None:
        """``readonly``: True for a read-only connection, ``"immutable"`` for a store on a
        medium no one can write. ``cache_mib``: SQLite's page cache, most of a writer's
        memory (32 MiB keeps the full-text index's pages while many small transactions write;
        a refresh that writes in large batches needs less). ``indexes``: False for a
        connection that never reads nor writes the two indexes' files, full text and related
        articles (a refresh's parse worker): its write transactions then take the articles
        file's lock only."""
        self.path = Path(path)
        self.indexes = indexes
        self._readonly = readonly
        self._attached: set[str] = set()
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
                # the WAL grows to what a large indexing writes between checkpoints;
                # while another connection (the reader) keeps the store open it is never
                # deleted: cut it back after each checkpoint
                self.db.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
                self.db.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")
            if not readonly:
                if indexes:
                    self._attach_index(RELATED_FILE_SCHEMA, cache_mib)
                    self._attach_index(SEARCH_FILE_SCHEMA, cache_mib)
                self._migrate()
                if indexes:
                    self._ensure_related()
                    self._ensure_search()
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

    def _use_wal(self, schema: str = "main") -> None:
        """Switch a new store to WAL. Two connections creating one store at once (the reader's
        first run starts two workers) meet here, and SQLite answers "database is locked" at
        once instead of waiting for the other: wait here, as the busy timeout would."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.db.execute(f"PRAGMA {schema}.journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    @property
    def related_db(self) -> sqlite3.Connection:
        """The connection, with the related index's file attached. A read-only connection
        attaches it only here, at its first read of the index: ATTACH reads the file's schema
        at once, and most reads (a page of the list, an article) never touch it."""
        return self._with_index(RELATED_FILE_SCHEMA)

    @property
    def search_db(self) -> sqlite3.Connection:
        """The connection, with the full-text index's file attached (as :attr:`related_db`)."""
        return self._with_index(SEARCH_FILE_SCHEMA)

    def _with_index(self, name: str) -> sqlite3.Connection:
        if name not in self._attached:
            try:
                self._attach_index(name, 0)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read store {self.path}: {describe(exc)}") from None
        return self.db

    def _attach_index(self, name: str, cache_mib: int) -> None:
        """Attach one of the indexes' files (``related``, ``search``). Read-only, a store
        without one (never refreshed since) reads an empty index in memory instead. Writable,
        a file that is not a database, or is damaged, holds nothing of the user's (the
        articles give it all again): it is replaced by a new one."""
        readonly = self._readonly
        if name == RELATED_FILE_SCHEMA:
            path, schema, present = related_path(self.path), related_schema, _RELATED_PRESENT
        else:
            path, schema, present = search_path(self.path), search_schema, _SEARCH_PRESENT
        if readonly and not path.exists():
            self.db.execute(f"ATTACH DATABASE ':memory:' AS {name}")
            for statement in split_sql(schema(name)):
                self.db.execute(statement)
            self._attached.add(name)
            return
        if readonly:
            self.db.execute(f"ATTACH DATABASE ? AS {name}", (_uri(path, readonly),))
            self._attached.add(name)
            return
        try:
            self.db.execute(f"ATTACH DATABASE ? AS {name}", (_uri(path, readonly),))
            self.db.execute(present).fetchone()
        except sqlite3.DatabaseError as exc:
            error = getattr(exc, "sqlite_errorname", "") or ""
            if not error.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
                raise
            with contextlib.suppress(sqlite3.OperationalError):  # (not attached)
                self.db.execute(f"DETACH DATABASE {name}")
            for suffix in ("-wal", "-shm", ""):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{path}{suffix}").unlink()
            self.db.execute(f"ATTACH DATABASE ? AS {name}", (_uri(path, readonly),))
        self._use_wal(name)
        self.db.execute(f"PRAGMA {name}.synchronous = NORMAL")
        self.db.execute(f"PRAGMA {name}.journal_size_limit = {WAL_SIZE_LIMIT}")
        self.db.execute(f"PRAGMA {name}.cache_size = {-1024 * cache_mib}")
        self._attached.add(name)

    def _ensure_related(self) -> None:
        """Create the related index's tables in their file when it has none (a new store, an
        upgraded one, a file deleted or found damaged), every indexed article then waiting
        for the related pass."""
        if self.db.execute(_RELATED_PRESENT).fetchone()[0]:
            return
        with self.write():
            if self.db.execute(_RELATED_PRESENT).fetchone()[0]:
                return
            for statement in split_sql(related_schema(RELATED_FILE_SCHEMA)):
                self.db.execute(statement)
            self.db.execute("DELETE FROM related_gone")
            self.db.execute(
                "INSERT OR IGNORE INTO related_pending (article_id)"
                " SELECT id FROM articles WHERE indexed = 1"
            )

    def _ensure_search(self) -> None:
        """Create the full-text index's tables in their file when it has none: an older
        store's index is moved there from the store's own file; else every article the store
        says is indexed is indexed there (a new store, a file deleted or found damaged)."""
        if self.db.execute(_SEARCH_PRESENT).fetchone()[0]:
            return
        if self.db.execute(_present("main", "articles_fts")).fetchone()[0]:
            self._move_search_index()
            return
        with self.write():
            if self.db.execute(_SEARCH_PRESENT).fetchone()[0]:
                return
            for statement in split_sql(search_schema(SEARCH_FILE_SCHEMA)):
                self.db.execute(statement)
            self.db.execute(search_docs_of_indexed(SEARCH_FILE_SCHEMA, "main"))
            self.db.execute(
                f"INSERT INTO {SEARCH_FILE_SCHEMA}.articles_fts (articles_fts) VALUES ('rebuild')"
            )
            self.db.execute("DELETE FROM search_gone")

    def _move_search_index(self) -> None:
        """Move the full-text index of an older store, kept in the store's own file (by its
        triggers, until now), into the search file as it was, without tokenizing every
        article again: FTS5 keeps an index in shadow tables that name neither their database
        nor the indexed rows' table. On a connection of its own: an FTS5 table caches its
        index's structure, which a copy under it would leave stale."""
        mover = sqlite3.connect(
            _uri(search_path(self.path), False),
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )
        try:
            mover.execute("ATTACH DATABASE ? AS store", (_uri(self.path, False),))
            mover.execute("BEGIN IMMEDIATE")
            if not mover.execute(_present("main", "articles_fts")).fetchone()[0]:
                for statement in split_sql(search_schema("main")):
                    mover.execute(statement)
                for shadow in ("data", "idx", "docsize", "config"):
                    table = f"articles_fts_{shadow}"
                    mover.execute(f"DELETE FROM main.{table}")
                    mover.execute(f"INSERT INTO main.{table} SELECT * FROM store.{table}")
                mover.execute(search_docs_of_indexed("main", "store"))
            for statement in split_sql(OLD_SEARCH_DROPPED):
                mover.execute(statement)
            mover.execute("COMMIT")
        except BaseException:
            if mover.in_transaction:
                mover.execute("ROLLBACK")
            raise
        finally:
            mover.close()

    def _move_related_index(self) -> None:
        """Copy the related index of an older store, kept in the store's own file, into the
        related file (the upgrade then drops it there): no article waits for it again."""
        for statement in split_sql(related_schema(RELATED_FILE_SCHEMA)):
            self.db.execute(statement)
        for table in RELATED_TABLES:
            if table != "related_postings":
                self.db.execute(
                    f"INSERT OR REPLACE INTO {RELATED_FILE_SCHEMA}.{table}"
                    f" SELECT * FROM main.{table}"
                )
        # generations of 4,096 articles there, of 16,384 before
        self.db.execute(
            f"INSERT INTO {RELATED_FILE_SCHEMA}.related_postings"
            f" SELECT article_id >> {GENERATION_BITS}, term, article_id, weight"
            " FROM main.related_postings ORDER BY 1, 2, 3"
        )

    @classmethod
    def for_reading(cls, path: Path | str) -> Self:
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        # Every open (each CLI command, each worker) reads the version without a lock; only a
        # store that needs creating or upgrading takes the write lock, and checks again under it.
        if self.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        with self.write():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if self.indexes and version < RELATED_FILE_SINCE:
                # a related file left beside a new or older store describes other articles
                for table in RELATED_TABLES:
                    self.db.execute(f"DROP TABLE IF EXISTS {RELATED_FILE_SCHEMA}.{table}")
            if self.indexes and version < SEARCH_FILE_SINCE:
                for table in SEARCH_TABLES:  # (the same)
                    self.db.execute(f"DROP TABLE IF EXISTS {SEARCH_FILE_SCHEMA}.{table}")
            if version == 0:
                for statement in split_sql(SCHEMA):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                return
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.path} was written by a newer newsreader (schema {version})"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                if target == RELATED_FILE_SINCE and self.indexes:
                    self._move_related_index()
                for statement in split_sql(MIGRATIONS[target]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    def write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so two writers queue on the
        busy timeout instead of failing halfway. A failure rolls it back and says why (a full
        disk, a read-only store), as a :class:`StoreError`. It holds the locks of the
        indexes' files too, when the connection has them."""
        return self._transaction(("BEGIN IMMEDIATE",))

    def write_related(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction that takes the related index file's lock only (the articles
        file is read in it, never written): the index job writes postings while the refresh's
        workers write articles. A deferred transaction whose first statement writes that file
        (and changes nothing) takes its lock at once. Failures as :meth:`write`."""
        return self._transaction(("BEGIN", _TAKE_RELATED_LOCK))

    def write_search(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction that takes the full-text index file's lock only, as
        :meth:`write_related` does the related file's."""
        return self._transaction(("BEGIN", _TAKE_SEARCH_LOCK))

    @contextmanager
    def _transaction(self, begin: tuple[str, ...]) -> Iterator[sqlite3.Connection]:
        try:
            self._take_lock(begin)
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

    def _take_lock(self, begin: tuple[str, ...]) -> None:
        """Run ``begin`` until it holds the write lock, waiting as the busy timeout would but
        in short steps: SQLite's own wait sleeps up to 100 ms at a time, so a writer could stay
        asleep that long after the other's transaction ended (a refresh's workers and its index
        job take turns with the lock hundreds of times)."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        self.db.execute(f"PRAGMA busy_timeout = {LOCK_STEP_MS}")
        try:
            while True:
                try:
                    for statement in begin:
                        self.db.execute(statement)
                    return
                except sqlite3.OperationalError as exc:
                    self._rollback()
                    busy = getattr(exc, "sqlite_errorname", "") == "SQLITE_BUSY"
                    if not busy or time.monotonic() > deadline:
                        raise
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _rollback(self) -> None:
        """SQLite has already rolled back after some errors (a full disk): never hide the
        cause behind 'no transaction is active'."""
        if self.db.in_transaction:
            # a broken connection cannot roll back: the journal undoes the rest on the next open
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
