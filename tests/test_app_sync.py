"""Sync in the reader (Pilot): R syncs in a worker while the server hangs and the screen goes
on answering keys; marks made meanwhile wait in the queue ("sync: 1 queued" in the header)
and reach the server at the next R; the reader quits at once with a sync hanging."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from newsreader.library.config import Config
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.articlelist import ArticleList

from .syncservers import GReaderServer
from .test_app_errors import _status, _until
from .test_sync import Machine, _seed

pytestmark = pytest.mark.ui


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    running = GReaderServer()
    yield running
    running.stop()


async def test_the_reader_never_waits_on_a_server_that_hangs(
    tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(server, 6)
    machine = Machine(tmp_path / "a", server, monkeypatch)
    assert not machine.sync().error
    config = Config(sync=replace(machine.settings, timeout_seconds=20))
    server.proxy.set("stall")
    app = NewsreaderApp(machine.locations, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(app, pilot, lambda: app.main.view_total == 6)
        await pilot.press("R")
        await _until(app, pilot, lambda: "syncing" in app.sub_title)
        article_list = app.query_one(ArticleList)
        started = time.monotonic()
        for _ in range(3):
            await pilot.press("j")
        await _until(app, pilot, lambda: article_list.cursor == 3)
        assert time.monotonic() - started < 2  # keys answered while the sync hangs
        unread = app.main.unread_total
        await pilot.press("m")  # marked here, queued for the server
        await _until(app, pilot, lambda: app.main.unread_total != unread)
        server.proxy.set("up")  # the hanging request fails: the sync says so in one line
        await _until(app, pilot, lambda: "cannot reach" in _status(app))
        # the header follows the status line once the sync's end is handled
        await _until(app, pilot, lambda: "sync: 1 queued" in app.sub_title)
        await pilot.press("R")
        await _until(app, pilot, lambda: "synced with greader" in _status(app))
        assert "queued" not in app.sub_title
    assert machine.state() == server.state()
    assert sum(not read for read, _star in server.state().values()) == app.main.unread_total


async def test_the_reader_quits_at_once_while_a_sync_hangs(
    tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(server)
    machine = Machine(tmp_path / "a", server, monkeypatch)
    assert not machine.sync().error
    server.proxy.set("stall")
    app = NewsreaderApp(machine.locations, Config(sync=machine.settings))
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(app, pilot, lambda: app.main.view_total == 4)
        await pilot.press("R")
        await _until(app, pilot, lambda: "syncing" in app.sub_title)
        started = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - started < 5


async def test_a_new_machine_takes_its_feeds_from_the_server(
    tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No welcome screen asking for a first feed: the first sync brings the server's."""
    _seed(server, 3)
    machine = Machine(tmp_path / "a", server, monkeypatch)
    app = NewsreaderApp(machine.locations, Config(sync=machine.settings))
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(app, pilot, lambda: "synced with greader" in _status(app))
        await _until(app, pilot, lambda: app.main.view_total == 3)
        assert type(app.screen).__name__ == "MainScreen"
