"""Indexing in a process of its own (``newsreader.store.indexjob``): real processes, real stores."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsreader.library.refresh import _IndexJob
from newsreader.models import Article, ParsedFeed, StoreError
from newsreader.store import Store

pytestmark = pytest.mark.slow


async def _index_in_own_process(path: Path, workers: int) -> int:
    """What a refresh does with a store it has finished storing into."""
    job = await _IndexJob.start(path, workers)
    return await job.finish()


def stored_unindexed(path: Path, count: int) -> None:
    with Store(path) as store:
        feed = store.add_feed("https://example.org/feed")
        articles = tuple(
            Article(
                guid=f"g{i}",
                title=f"Harbour report {i}",
                body=f"<p>The tide table for pier {i} and the ferry times.</p>" * 20,
                body_format="html",
            )
            for i in range(count)
        )
        store.store_feed(feed.id, ParsedFeed(title="Bay", articles=articles), index=False)


def test_what_is_available_is_indexed_in_transactions_of_at_most_most(tmp_path: Path) -> None:
    """A following job's step: less than a batch waits; more is taken up to ``most`` a
    transaction (the bound on the job's memory), whole transactions only."""
    path = tmp_path / "s.db"
    stored_unindexed(path, 8)
    with Store(path) as store:
        assert store.index_available(batch=10, most=25) == (0, 0)
    with Store(path) as store:
        feed = store.add_feed("https://example.org/more")
        more = tuple(Article(guid=f"m{i}", title=f"Pier notice {i}") for i in range(60))
        store.store_feed(feed.id, ParsedFeed(title="More", articles=more), index=False)
        # 68 wait in all: 25 and 25 go, 18 wait
        transactions = []
        write = store.write
        store.write = lambda: (transactions.append(1), write())[1]  # type: ignore[method-assign]
        assert store.index_available(batch=10, most=25) == (50, 50)
        assert len(transactions) == 4  # two of the full-text pass, two of the related one
        assert store.pending_index_count() == 18


def test_the_job_indexes_what_is_pending_and_prints_how_many(tmp_path: Path) -> None:
    stored_unindexed(tmp_path / "s.db", 700)
    job = subprocess.run(
        [sys.executable, "-P", "-m", "newsreader.store.indexjob", str(tmp_path / "s.db"), "2"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (job.returncode, job.stdout, job.stderr) == (0, "searchable\n700\n", "")
    with Store(tmp_path / "s.db") as store:
        assert store.pending_index_count() == 0
        assert [r.title for r in store.search("699")] == ["Harbour report 699"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"not a database, just words", r"cannot open store .*: file is not a database"),
        (None, r"no store at .*missing\.db"),
    ],
)
def test_a_job_that_fails_says_why_in_one_line(
    tmp_path: Path, content: bytes | None, error: str
) -> None:
    path = tmp_path / ("s.db" if content else "missing.db")
    if content:
        path.write_bytes(content)
    with pytest.raises(StoreError, match=rf"^indexing failed: {error}$"):
        asyncio.run(_index_in_own_process(path, 1))
    assert content is not None or not path.exists()  # no empty store left behind

    async def followed() -> int:  # one that failed while the refresh stored: said at its end
        job = await _IndexJob.start(path, 1, follow=True)
        await asyncio.wait_for(job.process.wait(), 30)
        return await job.finish()

    with pytest.raises(StoreError, match=rf"^indexing failed: {error}$"):
        asyncio.run(followed())


def _indexed(path: Path) -> int:
    """Articles in the full-text index so far, read without a lock."""
    with Store(path, readonly=True) as store:
        return store.db.execute("SELECT count(*) FROM articles WHERE indexed = 1").fetchone()[0]


def _related(path: Path) -> int:
    with Store(path, readonly=True) as store:
        return store.related_db.execute("SELECT count(*) FROM related_docs").fetchone()[0]


def test_a_following_job_indexes_what_is_stored_as_it_comes_and_ends_when_told(
    tmp_path: Path,
) -> None:
    """Started while a refresh still stores, the job writes both indexes for what is stored
    so far when it is at least a batch (all of it at once) and waits while less than a batch
    is there; once told that everything is stored it indexes the rest, says when search is
    complete, and ends with how many articles it indexed."""
    from newsreader.store.indexjob import BATCH

    path = tmp_path / "s.db"
    stored_unindexed(path, 2 * BATCH + 100)
    said: list[str] = []

    async def follow() -> int:
        job = await _IndexJob.start(path, 1, follow=True)
        deadline = time.monotonic() + 60
        while _related(path) < 2 * BATCH + 100 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert _related(path) == _indexed(path) == 2 * BATCH + 100
        with Store(path) as store:  # the refresh stores another feed meanwhile
            feed = store.add_feed("https://example.org/other")
            later = tuple(Article(guid=f"o{i}", title=f"Ferry notice {i}") for i in range(300))
            store.store_feed(feed.id, ParsedFeed(title="Other", articles=later), index=False)
        await asyncio.sleep(0.3)  # more than it waits for articles: it must wait on
        assert _related(path) == _indexed(path) == 2 * BATCH + 100  # a part batch waits
        assert job.process.returncode is None and not said
        return await asyncio.wait_for(job.finish(lambda: said.append("searchable")), 60)

    assert asyncio.run(follow()) == 2 * BATCH + 400
    assert said == ["searchable"]
    with Store(path) as store:
        assert store.pending_index_count() == 0
        assert [r.title for r in store.search("notice 299")] == ["Ferry notice 299"]
        assert _related(path) == 2 * BATCH + 400


def test_a_cancelled_job_stops_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quitting the reader while it indexes stops the job; the batch it was writing is rolled
    back, the articles stay stored, and the next indexing finishes the rest."""
    path = tmp_path / "s.db"
    stored_unindexed(path, 3_000)
    processes: list[asyncio.subprocess.Process] = []
    real = asyncio.create_subprocess_exec

    async def recorded(*args: object, **kwargs: object) -> asyncio.subprocess.Process:
        process = await real(*args, **kwargs)  # type: ignore[arg-type]
        processes.append(process)
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", recorded)

    async def cancel_soon() -> None:
        task = asyncio.create_task(_index_in_own_process(path, 1))
        # cancelled while it writes: once its first batch is in, with more to write
        deadline = time.monotonic() + 60
        while _indexed(path) == 0 and not task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        assert not task.done(), "the job ended before it could be cancelled"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.wait_for(processes[0].wait(), 10) != 0

    asyncio.run(cancel_soon())
    with Store(path) as store:
        pending = store.pending_index_count()
        assert store.count() == 3_000 and pending > 0
        assert store.index_pending() == pending
        check = "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)"
        store.db.execute(check)  # raises when the full-text index and the articles disagree
        assert [r.title for r in store.search("2999")] == ["Harbour report 2999"]


def test_the_job_imports_only_the_store(tmp_path: Path) -> None:
    """The point of the job's own process: none of the refresh's HTTP, parser or UI stacks."""
    stored_unindexed(tmp_path / "s.db", 3)
    code = (
        "import sys\nfrom newsreader.store.indexjob import main\n"
        f"assert main([{str(tmp_path / 's.db')!r}, '1']) == 0\n"
        "heavy = {'lxml', 'httpx', 'aiohttp', 'feedparser', 'asyncio', 'ssl', 'rich', 'textual'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    job = subprocess.run(
        [sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (job.returncode, job.stdout, job.stderr) == (0, "searchable\n3\n[]\n", "")


def test_a_large_indexing_leaves_a_small_wal_beside_an_open_reader(tmp_path: Path) -> None:
    """The reader keeps the store open for hours, so SQLite never deletes its WAL file: it
    must not stay at what the indexing wrote between checkpoints (100 MB for 10,000 articles)."""
    from newsreader.store import WAL_SIZE_LIMIT

    path = tmp_path / "s.db"
    with Store(path) as store:
        feed = store.add_feed("https://example.org/feed")
        paragraph = "<p>The tide table for the pier and the ferry times of the week.</p>"
        articles = tuple(
            Article(guid=f"g{i}", title=f"Harbour report {i}", body=paragraph * 90)
            for i in range(2_500)
        )
        store.store_feed(feed.id, ParsedFeed(title="Bay", articles=articles), index=False)
    with Store(path, readonly=True) as reader:
        assert reader.counts() == (2_500, 2_500)
        assert asyncio.run(_index_in_own_process(path, 1)) == 2_500
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size <= WAL_SIZE_LIMIT + 4 * 1024 * 1024
