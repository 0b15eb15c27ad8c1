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
    RELATED_FILE_SCHEMA,
    RELATED_FILE_SINCE,
    RELATED_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    related_schema,
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
_RELATED_PRESENT = (
    f"SELECT count(*) FROM {RELATED_FILE_SCHEMA}.sqlite_master WHERE name = 'related_stats'"
)


class Connection:
    def __init__(
        self,
        path: Path | str,
        *,
        readonly: bool | str = False,
        cache_mib: int = 32,
        related: bool = True,
    ) -> None:
        """``readonly``: True for a read-only connection, ``"immutable"`` for a store on a
        medium no one can write. ``cache_mib``: SQLite's page cache, most of a writer's
        memory (32 MiB keeps the full-text index's pages while many small transactions write;
        a refresh that writes in large batches needs less). ``related``: False for a
        connection that never reads nor writes the related-articles index (a refresh's parse
        worker): its write transactions then take the articles file's lock only."""
        self.path = Path(path)
        self.related = related
        self._readonly = readonly
        self._related_attached = False
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
                if related:
                    self._attach_related(readonly, cache_mib)
                    self._related_attached = True
                self._migrate()
                if related:
                    self._ensure_related()
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
        if not self._related_attached:
            try:
                self._attach_related(self._readonly, 0)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read store {self.path}: {describe(exc)}") from None
            self._related_attached = True
        return self.db

    def _attach_related(self, readonly: bool | str, cache_mib: int) -> None:
        """Attach the related index's file. Read-only, a store without one (never refreshed
        since) reads an empty index in memory instead. Writable, a file that is not a
        database, or is damaged, holds nothing of the user's (the articles give it all again):
        it is replaced by a new one."""
        name, path = RELATED_FILE_SCHEMA, related_path(self.path)
        if readonly and not path.exists():
            self.db.execute(f"ATTACH DATABASE ':memory:' AS {name}")
            for statement in split_sql(related_schema(RELATED_FILE_SCHEMA)):
                self.db.execute(statement)
            return
        if readonly:
            self.db.execute(f"ATTACH DATABASE ? AS {name}", (_uri(path, readonly),))
            return
        try:
            self.db.execute(f"ATTACH DATABASE ? AS {name}", (_uri(path, readonly),))
            self.db.execute(_RELATED_PRESENT).fetchone()
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
            if self.related and version < RELATED_FILE_SINCE:
                # a related file left beside a new or older store describes other articles
                for table in RELATED_TABLES:
                    self.db.execute(f"DROP TABLE IF EXISTS {RELATED_FILE_SCHEMA}.{table}")
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
                if target == RELATED_FILE_SINCE and self.related:
                    self._move_related_index()
                for statement in split_sql(MIGRATIONS[target]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    def write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so two writers queue on the
        busy timeout instead of failing halfway. A failure rolls it back and says why (a full
        disk, a read-only store), as a :class:`StoreError`. It holds the lock of the related
        index's file too, when the connection has it."""
        return self._transaction(("BEGIN IMMEDIATE",))

    def write_related(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction that takes the related index file's lock only (the articles
        file is read in it, never written): the index job writes postings while the refresh's
        workers write articles. A deferred transaction whose first statement writes that file
        (and changes nothing) takes its lock at once. Failures as :meth:`write`."""
        return self._transaction(("BEGIN", _TAKE_RELATED_LOCK))

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
