"""Refreshing subscriptions: fetch → parse (off the event loop) → store (one writer thread).

Every feed goes through the same steps whatever its source (http(s), feed file, article folder).
One feed's failure is recorded on that feed (``last_error``) and never touches the other feeds,
the stored articles or their read state. A body identical to the last one is not parsed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import importlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from newsreader.feeds.fetch import (
    DEFAULT_USER_AGENT,
    MAX_BODY_BYTES,
    Fetcher,
    FetchResult,
    FetchSettings,
)
from newsreader.feeds.lifeline import die_with_parent
from newsreader.library.config import Config, FeedOverride, RuleTables, config_rules, full_text_mode
from newsreader.models import Feed, FeedError, NewsreaderError, ParsedFeed, StoreError
from newsreader.sources.kind import ARTICLE_SUFFIXES, is_local
from newsreader.sources.safefiles import FileRefused, read_regular_file
from newsreader.store import Store
from newsreader.store.indexjob import BATCH as INDEX_BATCH
from newsreader.text.phrases import moment
from newsreader.text.sanitize import clean_line, redact_credentials

# What a parse worker runs, imported where a body is first parsed (a refresh of unchanged feeds
# never loads them); before a process pool forks its workers, so that they start with them.
WORKER_MODULES = ("newsreader.feeds.parse", "newsreader.library.ruling", "newsreader.sources.local")

# SQLite's page cache per connection of a refresh: the writes come in feeds and in batches of
# 500, so a small cache costs little indexing time and saves memory in every process
REFRESH_CACHE_MIB = 8
STOP_POLL_SECONDS = 0.05
GONE_PAUSE = 30 * 24 * 3600.0  # a feed that answered 410 is tried again only by hand, or in 30 days
_CLOSING_ROOT = re.compile(
    rb"</(?:[\w.-]+:)?(?:rss|feed|rdf|channel)\s*>(?:\s|<!--.*?-->)*$", re.S | re.I
)
# XML in UTF-16 or UTF-32 without a byte order mark, known by its first "<" (XML 1.0, F.1)
_WIDE_XML = (
    (b"<\x00\x00\x00", "utf-32-le", 4),
    (b"\x00\x00\x00<", "utf-32-be", 4),
    (b"<\x00", "utf-16-le", 2),
    (b"\x00<", "utf-16-be", 2),
)


def _ends_with_its_root(body: bytes) -> bool:
    """Whether the document ends with the end tag of a feed's root (else it was cut short)."""
    for start, codec, unit in _WIDE_XML:
        if body.startswith(start):
            size = min(len(body), 16384) // unit * unit
            tail = body[len(body) - size :].decode(codec, "ignore").rstrip()
            return _CLOSING_ROOT.search(tail.encode("utf-8")) is not None
    return _CLOSING_ROOT.search(body.rstrip()[-4096:]) is not None


_T = TypeVar("_T")


class RefreshBusy(NewsreaderError):
    """Another refresh of the same store is running."""


class RefreshStopped(NewsreaderError):
    """The refresh was asked to stop before it ended."""


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    feed: Feed
    new: int = 0
    updated: int = 0
    unchanged: bool = False
    skipped: str = ""  # why the feed was not fetched this time (Retry-After, <ttl>)
    error: str | None = None
    warnings: tuple[str, ...] = ()
    title: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def name(self) -> str:
        return self.title or self.feed.display_title


@dataclass(frozen=True, slots=True)
class RefreshOptions:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    force: bool = False  # fetch every feed in full: no conditional GET, no schedule
    honour_schedule: bool = True  # skip feeds inside their Retry-After or <ttl> window
    parse_timeout: float = 60.0
    parse_workers: int = 0  # 0: one per core, in processes when there is enough to parse
    index: bool = True  # index what was stored (full text, related) before returning
    overrides: Mapping[str, FeedOverride] = field(default_factory=dict)  # by feed URL
    full_text: str = "on_demand"  # config.toml's full_text; "always" reads stored articles' pages
    rules: RuleTables = ()  # config.toml's [[rules]], compiled in each worker


def options_from_config(
    config: Config, *, jobs: int | None = None, force: bool = False, honour_schedule: bool = True
) -> RefreshOptions:
    """The refresh settings of config.toml (timeouts, caps, concurrency, per-feed overrides)."""
    return RefreshOptions(
        fetch=FetchSettings(
            deadline=float(config.fetch_timeout_seconds),
            max_bytes=config.max_body_bytes,
            concurrency=jobs or config.concurrency,
            per_host=config.per_host_concurrency,
            user_agent=config.user_agent or DEFAULT_USER_AGENT,
        ),
        overrides=config.feeds,
        full_text=config.full_text,
        rules=config_rules(config),
        force=force,
        honour_schedule=honour_schedule,
    )


# -- parsing (runs in a worker thread or process) -------------------------------------------


def _directory_fingerprint(directory: Path) -> str:
    from newsreader.sources.local import list_folder

    digest = hashlib.sha256()
    for path, mtime_ns, size in list_folder(directory).files:
        digest.update(f"{path}\0{mtime_ns}\0{size}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _is_json_feed(body: bytes) -> bool:
    return b"jsonfeed.org/version" in body[:4096]


def parse_body(
    body: bytes, content_type: str = "", base_url: str = "", fallback_timeout: float | None = None
) -> ParsedFeed:
    """Parse a downloaded body. Module level so that a process pool can run it."""
    from newsreader.feeds.parse import parse_feed

    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:4]
    is_xml = start[:1] == b"<" or start[:2] == b"\x00<" or start == b"\x00\x00\x00<"
    looks_html = b"<html" in body[:2048].lower()
    if is_xml and not looks_html and not _ends_with_its_root(body):
        raise FeedError("document is truncated (it ends before its closing tag)")
    try:
        headers = {"content-type": content_type} if content_type else None
        return parse_feed(body, headers, base_url, fallback_timeout=fallback_timeout)
    except FeedError as exc:
        if "not a feed" in str(exc) and content_type in ("text/html", "application/xhtml+xml"):
            raise FeedError(f"not a feed (got {content_type})") from None
        raise


def read_local(
    url: str,
    previous_hash: str = "",
    max_bytes: int = MAX_BODY_BYTES,
    fallback_timeout: float | None = None,
) -> tuple[ParsedFeed | None, str]:
    """Parse a local source; (None, hash) when it is unchanged since the last read. A feed
    file has the cap of a downloaded body."""
    from newsreader.feeds.parse import parse_feed
    from newsreader.sources.local import SUFFIXES, read_directory, read_single_file

    path = Path(url)
    try:
        if path.is_dir():
            fingerprint = _directory_fingerprint(path)
            if fingerprint == previous_hash:
                return None, fingerprint
            return read_directory(path), fingerprint
        body = read_regular_file(path, max_bytes)
    except FileRefused as exc:
        raise FeedError(f"cannot read {clean_line(str(path))}: {exc}") from None
    except OSError as exc:
        raise FeedError(f"cannot read {clean_line(str(path))}: {exc.strerror or exc}") from None
    body_hash = hashlib.sha256(body).hexdigest()
    if body_hash == previous_hash:
        return None, body_hash
    suffix = path.suffix.lower()
    if suffix in SUFFIXES and (
        suffix in ARTICLE_SUFFIXES or (suffix == ".json" and not _is_json_feed(body))
    ):
        return read_single_file(path), body_hash
    return parse_feed(body, fallback_timeout=fallback_timeout), body_hash


# -- parse and store, in a worker (thread or process) -----------------------------------------

_worker_stores: dict[tuple[int, str], Store] = {}


@contextmanager
def _worker_store(db_path: str) -> Iterator[Store]:
    """A worker process keeps one connection for its life; a worker thread (in the caller's
    process) opens one per job, so nothing outlives the refresh."""
    import multiprocessing

    if multiprocessing.current_process().name == "MainProcess":
        with Store(db_path, cache_mib=REFRESH_CACHE_MIB, indexes=False) as store:
            yield store
        return
    key = (threading.get_ident(), db_path)
    if key not in _worker_stores:
        # the indexes are the index job's: a worker's writes never wait for their locks
        _worker_stores[key] = Store(db_path, cache_mib=REFRESH_CACHE_MIB, indexes=False)
    yield _worker_stores[key]


@dataclass(frozen=True, slots=True)
class _Stored:
    new: int = 0
    updated: int = 0
    unchanged: bool = False
    title: str = ""
    warnings: tuple[str, ...] = ()


def _store_parsed(
    db_path: str, feed_id: int, parsed: ParsedFeed, rules: RuleTables, **meta: str
) -> _Stored:
    from newsreader.library.ruling import store_ruled

    with _worker_store(db_path) as store:
        # indexed afterwards, all at once (Store.index_pending): far cheaper than feed by feed
        result, problems = store_ruled(store, feed_id, parsed, rules, index=False, **meta)
    warnings = parsed.warnings + problems
    return _Stored(result.new, result.updated, title=parsed.title, warnings=warnings)


def store_local_source(
    db_path: str,
    feed_id: int,
    url: str,
    previous_hash: str,
    max_bytes: int = MAX_BODY_BYTES,
    fallback_timeout: float | None = None,
    rules: RuleTables = (),
) -> _Stored:
    """Read, parse and store a file or folder source. Runs in a worker: the articles go from
    the parser to SQLite in the same process, never through a pipe."""
    parsed, body_hash = read_local(url, previous_hash, max_bytes, fallback_timeout)
    if parsed is None:
        with _worker_store(db_path) as store:
            store.record_unchanged(feed_id)
        return _Stored(unchanged=True)
    return _store_parsed(db_path, feed_id, parsed, rules, body_hash=body_hash)


def store_downloaded(
    db_path: str,
    feed_id: int,
    body: bytes,
    content_type: str,
    base_url: str,
    meta: dict[str, str],
    fallback_timeout: float | None = None,
    rules: RuleTables = (),
) -> _Stored:
    """Parse and store a downloaded body (``meta``: body_hash, etag, last_modified)."""
    parsed = parse_body(body, content_type, base_url, fallback_timeout)
    return _store_parsed(db_path, feed_id, parsed, rules, **meta)


# -- the pipeline ---------------------------------------------------------------------------


class _Writer:
    """The one thread that owns the store connection and does every write."""

    def __init__(self, db_path: Path) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="newsreader-store")
        self.db_path = db_path
        self.store: Store | None = None

    async def call(self, fn: Callable[..., _T], *args: object, **kwargs: object) -> _T:
        def run() -> _T:
            if self.store is None:
                self.store = Store(self.db_path, cache_mib=REFRESH_CACHE_MIB)
            return fn(self.store, *args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self.pool, run)

    def close(self) -> None:
        def shut() -> None:
            if self.store is not None:
                self.store.close()

        self.pool.submit(shut).result()
        self.pool.shutdown()


def _parse_executor(jobs: int, workers: int) -> Executor:
    cores = os.cpu_count() or 1
    count = workers or cores
    # a process pool is slow to start (each worker imports the parsers): worth it only when
    # there is more to parse than one core does in that time
    if count > 1 and jobs >= 8:
        return ProcessPoolExecutor(count, initializer=die_with_parent, initargs=(os.getpid(),))
    return ThreadPoolExecutor(max(1, min(count, jobs)), thread_name_prefix="newsreader-parse")


class _Parsers:
    """The refresh's parse workers, started for the first source there is to parse: a
    refresh of unchanged feeds starts none and loads no parser."""

    def __init__(self, jobs: int, workers: int) -> None:
        self.jobs = jobs
        self.workers = workers
        self.executor: Executor | None = None

    def get(self) -> Executor:
        if self.executor is None:
            for name in WORKER_MODULES:
                importlib.import_module(name)
            self.executor = _parse_executor(self.jobs, self.workers)
        return self.executor

    def shutdown(self, abandoned: list[bool]) -> None:
        if self.executor is not None:
            _shutdown(self.executor, abandoned)


@contextmanager
def refresh_lock(db_path: Path) -> Iterator[None]:
    """One refresh at a time per store, across processes (the reader, a cron job, a second
    terminal): a second one raises :class:`RefreshBusy` at once instead of fetching everything
    again beside the first. A folder where no lock file can be made (a read-only store) takes
    no lock: the store's own open says what is wrong."""
    lock_path = db_path.with_name(db_path.name + ".refresh-lock")
    try:
        handle = open(lock_path, "a+", encoding="ascii")  # noqa: SIM115 (the with below)
    except OSError:
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read(20).strip()
            who = f" (process {holder})" if holder.isascii() and holder.isdigit() else ""
            raise RefreshBusy(f"a refresh of this store is already running{who}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


async def refresh_feeds(
    db_path: Path,
    feeds: Sequence[Feed],
    options: RefreshOptions | None = None,
    progress: Callable[[RefreshOutcome], None] | None = None,
    transport: object = None,
    indexing: Callable[[], None] | None = None,
    searchable: Callable[[], None] | None = None,
) -> list[RefreshOutcome]:
    """Refresh ``feeds``; ``progress`` hears of each feed as it ends, ``indexing`` when every
    article is stored (browsable) and the indexes start being filled, ``searchable`` when the
    full-text one is (the related-articles index comes next). Raises :class:`RefreshBusy`
    when another refresh of the store is running."""
    with refresh_lock(db_path):
        return await _refresh_feeds(
            db_path, feeds, options, progress, transport, indexing, searchable
        )


async def _refresh_feeds(
    db_path: Path,
    feeds: Sequence[Feed],
    options: RefreshOptions | None,
    progress: Callable[[RefreshOutcome], None] | None,
    transport: object,
    indexing: Callable[[], None] | None,
    searchable: Callable[[], None] | None,
) -> list[RefreshOutcome]:
    options = options or RefreshOptions()
    started = time.time()  # articles stored from here are this refresh's
    writer = _Writer(db_path)
    parsers = _Parsers(len(feeds), options.parse_workers)
    loop = asyncio.get_running_loop()
    outcomes: list[RefreshOutcome] = []
    abandoned: list[bool] = []  # parses given up on: their workers are stopped at the end
    unchanged: list[tuple[int, str | None, str | None]] = []  # 304s not yet written

    async def parse(fn: Callable[..., object], *args: object) -> object:
        future = loop.run_in_executor(parsers.get(), fn, *args)
        try:
            return await asyncio.wait_for(future, options.parse_timeout)
        except TimeoutError:
            abandoned.append(True)
            raise FeedError(f"parsing took longer than {options.parse_timeout:g} s") from None

    # the feeds a sync server owns come from it (newsreader sync), never fetched here
    owned = await writer.call(Store.server_feed_urls)

    async def one(feed: Feed, fetcher: Fetcher) -> RefreshOutcome:
        now = time.time()
        if feed.url in owned:
            return RefreshOutcome(feed, skipped="its articles come from the sync server")
        if (
            options.honour_schedule
            and not options.force
            and feed.next_fetch_after is not None
            and feed.next_fetch_after > now
        ):
            until = moment(feed.next_fetch_after, now)
            reason = feed.last_error or "the feed asks to be polled less often (its <ttl>)"
            return RefreshOutcome(feed, skipped=f"skipped until {until}: {reason}")
        try:
            if is_local(feed.url):
                return await local(feed)
            return await web(feed, fetcher)
        except NewsreaderError as exc:
            message = redact_credentials(clean_line(str(exc)))
        except Exception as exc:  # a bug on one feed never stops the others
            detail = redact_credentials(clean_line(str(exc)))[:120]
            message = f"internal error: {type(exc).__name__}: {detail}"
        await writer.call(Store.record_error, feed.id, message)
        return RefreshOutcome(feed, error=message)

    def outcome_of(feed: Feed, done: object) -> RefreshOutcome:
        assert isinstance(done, _Stored)
        return RefreshOutcome(
            feed, done.new, done.updated, unchanged=done.unchanged, warnings=done.warnings,
            title=done.title,
        )  # fmt: skip

    async def local(feed: Feed) -> RefreshOutcome:
        previous = "" if options.force else await writer.call(Store.feed_body_hash, feed.id)
        override = options.overrides.get(feed.url)
        cap = (override.max_body_bytes if override else None) or options.fetch.max_bytes
        done = await parse(
            store_local_source, str(db_path), feed.id, feed.url, previous, cap,
            options.parse_timeout, options.rules,
        )  # fmt: skip
        return outcome_of(feed, done)

    # Bodies fetched but not yet parsed wait in memory: bound how many, so that a fast network
    # in front of a slower parser does not hold every feed at once.
    inflight = asyncio.Semaphore(options.fetch.concurrency)

    async def web(feed: Feed, fetcher: Fetcher) -> RefreshOutcome:
        async with inflight:
            return await fetch_and_store(feed, fetcher)

    async def fetch_and_store(feed: Feed, fetcher: Fetcher) -> RefreshOutcome:
        etag, modified = ("", "") if options.force else (feed.etag, feed.last_modified)
        override = options.overrides.get(feed.url)
        result: FetchResult = await fetcher.fetch(
            feed.url, etag, modified,
            deadline=override.timeout_seconds if override else None,
            max_bytes=override.max_body_bytes if override else None,
            user_agent=override.user_agent if override else None,
        )  # fmt: skip
        if result.permanent_url:
            await writer.call(Store.move_feed, feed.id, result.permanent_url)
        if result.status == "not_modified":
            # nothing to store: the feed's fetch time and validators are written in batches
            unchanged.append((feed.id, result.etag, result.last_modified))
            if len(unchanged) >= 100:
                batch, unchanged[:] = list(unchanged), []
                await writer.call(Store.record_unchanged_many, batch)
            return RefreshOutcome(feed, unchanged=True)
        if result.status in ("deferred", "gone"):
            if result.status == "deferred" and result.retry_at is not None:
                retry = result.retry_at
            else:
                retry = time.time() + GONE_PAUSE
            await writer.call(Store.record_error, feed.id, result.error, retry_at=retry)
            # stored without the time (it is the feed's next_fetch_after): shown, with it
            return RefreshOutcome(feed, error=f"{result.error}; next try {moment(retry)}")
        if result.status == "error":
            raise FeedError(result.error)
        body_hash = hashlib.sha256(result.body).hexdigest()
        if not options.force and body_hash == await writer.call(Store.feed_body_hash, feed.id):
            await writer.call(
                Store.record_unchanged,
                feed.id,
                etag=result.etag,
                last_modified=result.last_modified,
            )
            return RefreshOutcome(feed, unchanged=True)
        meta = {"body_hash": body_hash, "etag": result.etag, "last_modified": result.last_modified}
        done = await parse(
            store_downloaded, str(db_path), feed.id, result.body, result.content_type,
            result.final_url, meta, options.parse_timeout, options.rules,
        )  # fmt: skip
        return outcome_of(feed, done)

    # Once a refresh has stored more than a batch, a job indexes alongside it what it stores
    # (both indexes are written while the feeds are still downloading); a frozen build's
    # executable cannot run ``-m``: it indexes here, at the end.
    apart = options.index and bool(sys.executable) and not getattr(sys, "frozen", False)
    index_workers = options.parse_workers or os.cpu_count() or 1
    follower: _IndexJob | None = None
    stored = 0
    try:
        async with Fetcher(options.fetch, transport=transport) as fetcher:
            tasks = [asyncio.ensure_future(one(feed, fetcher)) for feed in feeds]
            try:
                for task in asyncio.as_completed(tasks):
                    outcome = await task
                    outcomes.append(outcome)
                    if progress is not None:
                        progress(outcome)
                    stored += outcome.new + outcome.updated
                    if apart and follower is None and stored > INDEX_BATCH:
                        follower = await _IndexJob.start(db_path, index_workers, follow=True)
            except BaseException:
                # stopped (or a progress callback failed): no feed may go on without its
                # client, its writer or its workers, and none is recorded as failed for it
                abandoned.append(True)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
            always = [
                f.id
                for f in feeds
                if full_text_mode(options.overrides.get(f.url), options.full_text) == "always"
            ]
            if always:  # the pages of what was stored, before the indexes are written
                from newsreader.library.fulltext import fill_full_texts

                wanted = await writer.call(Store.wanting_full_text, always, started)
                await fill_full_texts(wanted, fetcher, parse, writer.call)
        if unchanged:
            await writer.call(Store.record_unchanged_many, list(unchanged))
        if options.index:
            if indexing is not None:
                indexing()
            pending = 0 if follower else await writer.call(Store.pending_index_count)
            if follower is not None or (apart and pending > INDEX_BATCH):
                parsers.shutdown(abandoned)  # idle from here: the job forks its own workers
                if follower is None:
                    follower = await _IndexJob.start(db_path, index_workers)
                await follower.finish(searchable)
            elif pending:
                await writer.call(
                    Store.index_pending,
                    batch=INDEX_BATCH,
                    executor=parsers.get(),
                    searchable=searchable,
                )
            elif searchable is not None:
                searchable()
    except asyncio.CancelledError:
        abandoned.append(True)  # the parse workers are stopped, not waited for
        raise
    finally:
        if follower is not None:
            follower.kill()
        parsers.shutdown(abandoned)
        writer.close()
    return outcomes


async def refresh_until(
    stop: threading.Event, db_path: Path, feeds: Sequence[Feed], *args: Any, **kwargs: Any
) -> list[RefreshOutcome]:
    """:func:`refresh_feeds`, stopped soon after ``stop`` is set from another thread (the
    reader quits): fetches are cancelled, the index job and busy parse workers killed, what
    was stored stays, and no feed is marked as failed. Raises :class:`RefreshStopped`."""
    work = asyncio.ensure_future(refresh_feeds(db_path, feeds, *args, **kwargs))
    while not work.done():
        if stop.is_set():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            raise RefreshStopped("the refresh was stopped")
        await asyncio.wait({work}, timeout=STOP_POLL_SECONDS)
    return work.result()


class _IndexJob:
    """Indexing in a lean process of its own (``store.indexjob``); ``-P``: a ``newsreader``
    folder in the current directory is never imported. Started while the refresh still stores
    (``follow``), it indexes as the articles come and finishes once told all are stored."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None and process.stderr is not None
        self.process = process
        self.errors = asyncio.ensure_future(process.stderr.read())
        self.searchable: Callable[[], None] | None = None
        self.lines = asyncio.ensure_future(self._read_lines())

    @classmethod
    async def start(cls, db_path: Path, workers: int, *, follow: bool = False) -> _IndexJob:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-P", "-m", "newsreader.store.indexjob", str(db_path), str(workers),
            *(["--follow"] if follow else []),
            stdin=asyncio.subprocess.PIPE if follow else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def _read_lines(self) -> bytes:
        assert self.process.stdout is not None
        count = b""
        async for line in self.process.stdout:
            if line.strip() != b"searchable":
                count = line
            elif self.searchable is not None:
                self.searchable()
        return count

    async def finish(self, searchable: Callable[[], None] | None = None) -> int:
        """Everything is stored: the job indexes the rest and ends; how many it indexed."""
        self.searchable = searchable
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            count = await self.lines
            err = await self.errors
            await self.process.wait()
        finally:
            self.kill()
        if self.process.returncode != 0:
            messages = err.decode("utf-8", "replace").strip().splitlines()
            raise StoreError(
                f"indexing failed: {clean_line(messages[-1])}"
                if messages
                else f"indexing stopped (exit status {self.process.returncode})"
            )
        return int(count)

    def kill(self) -> None:
        """Stopped (cancelled, or the refresh failed): its open batch is rolled back."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.lines.cancel()
            self.errors.cancel()


def _shutdown(executor: Executor, abandoned: list[bool]) -> None:
    """Idle workers exit at once; a worker still busy with an abandoned parse is stopped."""
    if abandoned and isinstance(executor, ProcessPoolExecutor):
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)
        return
    executor.shutdown(wait=not abandoned, cancel_futures=True)


def refresh_all(
    store: Store,
    feeds: Iterable[Feed],
    *,
    force: bool = False,
    progress: Callable[[RefreshOutcome], None] | None = None,
) -> list[RefreshOutcome]:
    """Synchronous convenience for callers without an event loop (the demo, tests)."""
    coroutine = refresh_feeds(store.path, list(feeds), RefreshOptions(force=force), progress)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as thread:  # called from inside an event loop
        return thread.submit(asyncio.run, coroutine).result()
