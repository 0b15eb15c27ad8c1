"""The reader on a store it cannot use, and quitting while a refresh runs. Pilot, real stores,
a real loopback feed server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.config import Config
from newsreader.paths import resolve
from newsreader.store import Store
from newsreader.ui.app import NewsreaderApp

from .feedserver import FeedServer
from .test_app import _settle


async def _until(app: NewsreaderApp, pilot, condition) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``condition``, at most 15 s; workers that fail are what these tests expect."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not condition():
        await pilot.pause(0.02)
    assert condition(), "condition not met"


def _status(app: NewsreaderApp) -> str:
    return str(app.query_one("#status").render())


def _damaged(data: Path) -> Path:
    (data / "newsreader.db").write_bytes(b"this is not a database, just words " * 200)
    return data


def _newer(data: Path) -> Path:
    with Store(data / "newsreader.db") as store:
        store.db.execute("PRAGMA user_version = 99")
    return data


def _a_file(data: Path) -> Path:
    target = data / "in-the-way"
    target.write_text("mine")
    return target


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_damaged, "file is not a database"),
        (_newer, "was written by a newer newsreader (schema 99)"),
        (_a_file, "in-the-way is a file, not a folder"),
    ],
)
async def test_a_store_it_cannot_use_is_said_on_screen_in_one_line(
    tmp_path: Path, make, said: str
) -> None:
    data = make(tmp_path)
    app = NewsreaderApp(resolve(data, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(app, pilot, lambda: said in _status(app))
        assert "\n" not in _status(app).strip() and app.is_running


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    srv.mode = "bad"
    yield srv
    srv.stop()


async def test_quitting_during_a_refresh_stops_it_and_marks_no_feed_failed(
    tmp_path: Path, server: FeedServer
) -> None:
    with Store(tmp_path / "newsreader.db") as store:
        for i in range(12):
            store.add_feed(f"{server.base}/fast{i}")
        for i in range(6):
            store.add_feed(f"{server.base}/slow?{i}")  # 1.5 s each: still running at the quit
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    before = set(threading.enumerate())
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("R")
        await _until(app, pilot, lambda: app.refresh_running.is_set())
        await _until(app, pilot, lambda: "refreshing" in app.sub_title)
        await pilot.press("q")
    # the refresh winds down with the app (fetches cancelled): nothing of it runs on
    assert app.stop_refresh(timeout=10)
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("newsreader")]
    with Store(tmp_path / "newsreader.db") as store:
        assert [f.last_error for f in store.feeds() if f.last_error] == []


def test_constructing_the_app_writes_no_state(tmp_path: Path) -> None:
    """The config's theme is applied, not remembered as the user's choice."""
    NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config(theme="nord"))
    assert not (tmp_path / "state.json").exists()
