"""Sync with real servers (Tiny Tiny RSS from Debian, coldsweat's Fever API) and the Google
Reader API fake, each on 127.0.0.1 behind a proxy that can break the line: the first sync,
marks and stars both ways, offline work, lost answers, request counts."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.bookmarks import BookmarkFile
from newsreader.cli import main
from newsreader.library import Library
from newsreader.library.paths import resolve
from newsreader.sync.engine import SyncReport
from newsreader.sync.settings import SyncSettings

from .feedserver import rss
from .syncservers import (
    ColdsweatServer,
    GReaderServer,
    SyncServer,
    TtrssServer,
    coldsweat_missing,
    ttrss_missing,
)

pytestmark = pytest.mark.slow


@pytest.fixture(params=["greader", "fever", "ttrss"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncServer]:
    running: SyncServer
    if request.param == "ttrss":
        if why := ttrss_missing():
            pytest.skip(why)
        running = TtrssServer()
    elif request.param == "fever":
        if why := coldsweat_missing():
            pytest.skip(why)
        running = ColdsweatServer(tmp_path_factory.mktemp("coldsweat"))
    else:
        running = GReaderServer()
    yield running
    running.stop()


class Machine:
    """One machine's newsreader: its data directory, its bookmarks, the server's settings."""

    def __init__(self, folder: Path, server: SyncServer, monkeypatch: pytest.MonkeyPatch) -> None:
        folder.mkdir(exist_ok=True)
        self.folder = folder
        self.server = server
        self.settings = SyncSettings(
            server.service, server.url, server.user, ("printf", "%s\\n", server.password)
        )
        self.locations = resolve(
            folder, config_file=folder / "config.toml", bookmarks_file=folder / "bookmarks.json"
        )
        (folder / "config.toml").write_text(
            f'[sync]\nservice = "{server.service}"\nurl = "{server.url}"\nuser = "{server.user}"\n'
            f'password_command = ["printf", "%s\\\\n", "{server.password}"]\n'
        )
        self.library = Library(self.locations)
        self.bookmarks = BookmarkFile(self.locations.bookmarks_file, keep_in_memory=False)

    def sync(self, full: bool = False) -> SyncReport:
        return self.library.sync(self.settings, self.bookmarks, full=full)

    def state(self) -> dict[str, tuple[bool, bool]]:
        """remote id -> (read here, bookmarked here)."""
        marked = {b.url for b in self.bookmarks.load().bookmarks}
        with self.library.store() as store:
            return {a.remote_id: (a.read, a.url in marked) for a in store.synced_articles()}

    def ids(self) -> dict[str, int]:
        """remote id -> article id here."""
        with self.library.store() as store:
            return {a.remote_id: a.article_id for a in store.synced_articles()}


@pytest.fixture
def machine(tmp_path: Path, server: SyncServer, monkeypatch: pytest.MonkeyPatch) -> Machine:
    return Machine(tmp_path / "a", server, monkeypatch)


def _seed(server: SyncServer, count: int = 4) -> tuple[str, list[str]]:
    feed = server.add_feed("https://gazette.test/feed.xml", "Gazette")
    items = [server.add_item(feed, f"Story {n}", read=n == 1, starred=n == 2) for n in range(count)]
    return feed, items


def test_a_first_sync_takes_feeds_articles_read_state_and_stars(
    machine: Machine, server: SyncServer
) -> None:
    _feed, items = _seed(server)
    report = machine.sync()
    assert not report.error, report.error
    assert report.new_articles == 4 and report.feeds_added == 1
    assert [f.title for f in machine.library.feeds()] == ["Gazette"]
    assert machine.state() == server.state()
    assert machine.state()[items[1]] == (True, False) and machine.state()[items[2]] == (False, True)
    (bookmark,) = machine.bookmarks.load().bookmarks  # the star is a bookmark here
    assert bookmark.title == "Story 2" and bookmark.feed_title == "Gazette"


def test_marks_and_bookmarks_made_here_reach_the_server(
    machine: Machine, server: SyncServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _feed, items = _seed(server)
    assert not machine.sync().error
    ids = machine.ids()
    args = ["--data-dir", str(machine.folder), "--config", str(machine.folder / "config.toml"),
            "--bookmarks", str(machine.locations.bookmarks_file)]  # fmt: skip
    assert main([*args, "mark", str(ids[items[0]]), str(ids[items[3]]), "--read"]) == 0
    assert main([*args, "mark", str(ids[items[1]]), "--unread"]) == 0
    assert main([*args, "mark", str(ids[items[3]]), "--star"]) == 0
    assert main([*args, "mark", str(ids[items[2]]), "--unstar"]) == 0
    assert machine.library.queued_actions() == 5
    capsys.readouterr()
    assert main([*args, "sync"]) == 0
    assert "5 action(s) sent" in capsys.readouterr().out
    assert server.state() == {
        items[0]: (True, False), items[1]: (False, False), items[2]: (False, False),
        items[3]: (True, True),
    }  # fmt: skip
    assert machine.library.queued_actions() == 0
    assert machine.state() == server.state()


def test_changes_made_on_the_server_come_here(machine: Machine, server: SyncServer) -> None:
    feed, items = _seed(server)
    assert not machine.sync().error
    other = Machine(machine.folder.parent / "b", server, pytest.MonkeyPatch())
    assert not other.sync().error
    ids = other.ids()
    other.library.set_read([ids[items[0]]], True)
    other.library.set_read([ids[items[1]]], False)
    other.library.queue_star(other.library.article(ids[items[3]])[0].url, True)
    other.bookmarks.add(other.library.bookmark_snapshot(ids[items[3]]))
    newest = server.add_item(feed, "Story 4")
    assert not other.sync().error
    report = machine.sync()
    assert not report.error and report.new_articles == 1
    assert machine.state() == server.state() == other.state()
    assert machine.state()[newest] == (False, False)
    assert {b.title for b in machine.bookmarks.load().bookmarks} == {"Story 2", "Story 3"}


def test_offline_marks_wait_in_the_queue_and_nothing_is_lost(
    machine: Machine, server: SyncServer
) -> None:
    _feed, items = _seed(server)
    assert not machine.sync().error
    ids = machine.ids()
    for mode in ("refuse", "reset", "lost"):
        server.proxy.set(mode)
        machine.library.set_read([ids[items[0]]], mode != "reset")
        report = machine.sync()
        assert report.error and "\n" not in report.error and server.password not in report.error
        assert report.queued >= 1 or mode == "lost"
    server.proxy.set("up")
    machine.library.set_read([ids[items[3]]], True)
    report = machine.sync()
    assert not report.error, report.error
    assert report.queued == 0
    assert server.state()[items[0]][0] is True and server.state()[items[3]][0] is True
    assert machine.state() == server.state()


def test_a_sync_with_nothing_new_and_500_marks_cost_few_requests(
    machine: Machine, server: SyncServer
) -> None:
    feed = server.add_feed("https://gazette.test/feed.xml", "Gazette")
    if isinstance(server, TtrssServer):
        server.add_items(feed, 500)
    else:
        for n in range(500):
            server.add_item(feed, f"Story {n}")
    assert not machine.sync().error
    quiet = machine.sync()
    assert not quiet.error and quiet.new_articles == 0
    assert quiet.requests <= (1 if server.service == "fever" else 3)
    ids, _unread = machine.library.mark_view_read(_all_view())
    assert len(ids) == 500
    report = machine.sync()
    assert not report.error and report.sent == 500
    if server.service != "fever":  # the Fever API marks one item a request
        assert report.sending_requests <= 3
    assert all(read for read, _star in server.state().values())


def _all_view():  # type: ignore[no-untyped-def]
    from newsreader.library.views import View

    return View(kind="all", title="All articles")


def test_credentials_are_never_shown(
    machine: Machine, server: SyncServer, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = SyncSettings(
        server.service, server.url, server.user, ("printf", "%s\\n", "not-the-password-42")
    )
    report = machine.library.sync(wrong, machine.bookmarks)
    assert report.error and "not-the-password-42" not in report.error
    assert "refused" in report.error or "cannot reach" not in report.error


def test_the_reader_starts_and_marks_with_the_server_down(
    machine: Machine, server: SyncServer
) -> None:
    _seed(server)
    assert not machine.sync().error
    server.proxy.set("refuse")
    started = time.monotonic()
    ids = machine.ids()
    machine.library.set_read(list(ids.values()), True)
    assert time.monotonic() - started < 5
    assert machine.library.queued_actions() == 3  # the one read already is no change
    assert machine.sync().unreachable
    server.proxy.set("up")
    assert not machine.sync().error
    assert all(read for read, _star in server.state().values())


@pytest.fixture
def feed_host(tmp_path: Path) -> Iterator[str]:
    """A feed on port 80 of a host of the test's own, 10.77.0.2, in a network namespace
    (Tiny Tiny RSS refuses to fetch 127.x, localhost and other ports)."""
    import shutil
    import subprocess
    import sys

    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("the feed host is a network namespace, which needs root and iproute2")
    name = f"nr{os.getpid() % 100000}"
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "feed.xml").write_bytes(rss("Harbour Wire", 3))

    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)

    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
    subprocess.run(["ip", "link", "del", f"{name}a"], capture_output=True, timeout=30)
    ip("netns", "add", name)
    try:
        ip("link", "add", f"{name}a", "type", "veth", "peer", "name", f"{name}b")
        ip("link", "set", f"{name}b", "netns", name)
        ip("addr", "add", "10.77.0.1/24", "dev", f"{name}a")
        ip("link", "set", f"{name}a", "up")
        ip("netns", "exec", name, "ip", "addr", "add", "10.77.0.2/24", "dev", f"{name}b")
        ip("netns", "exec", name, "ip", "link", "set", f"{name}b", "up")
        web = subprocess.Popen(
            ["ip", "netns", "exec", name, sys.executable, "-m", "http.server", "80",
             "--bind", "10.77.0.2", "--directory", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("10.77.0.2", 80), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield "http://10.77.0.2/feed.xml"
        finally:
            web.terminate()
            web.wait(10)
    finally:
        subprocess.run(["ip", "link", "del", f"{name}a"], capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def _ttrss_update() -> None:
    """Tiny Tiny RSS's updater, as the web server's user (it refuses to run as root)."""
    import subprocess

    subprocess.run(
        ["runuser", "-u", "www-data", "--", "php", "update.php", "--feeds", "--quiet"],
        cwd="/usr/share/tt-rss/www", capture_output=True, timeout=120, check=True,
    )  # fmt: skip


def test_subscriptions_made_here_reach_the_server(
    machine: Machine, server: SyncServer, request: pytest.FixtureRequest
) -> None:
    _seed(server)
    assert not machine.sync().error
    url = (
        request.getfixturevalue("feed_host")
        if server.service == "ttrss"
        else "https://wire.test/feed.xml"
    )
    machine.library.subscribe(url)
    assert machine.library.queued_actions() == 1
    report = machine.sync()
    assert not report.error, report.error
    if server.service == "fever":  # the Fever API has no way to subscribe: said, kept here
        assert any("cannot subscribe" in line for line in report.log)
        assert url not in server.feed_urls() and url not in machine.library.server_feed_urls()
        return
    assert url in server.feed_urls(), report.log
    assert url in machine.library.server_feed_urls()  # its articles come from the server now
    if server.service == "ttrss":
        _ttrss_update()
    else:
        assert isinstance(server, GReaderServer)
        feed = next(f.id for f in server.fake.feeds.values() if f.url == url)
        server.add_item(feed, "Wire story")
    assert machine.sync().new_articles >= 1
    machine.library.remove(url)
    assert not machine.sync().error
    assert url not in server.feed_urls()


def test_a_first_sync_subscribes_the_server_to_the_stores_web_feeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = GReaderServer()
    try:
        _seed(server)
        machine = Machine(tmp_path / "a", server, monkeypatch)
        machine.library.subscribe("https://wire.test/feed.xml")  # before the store followed
        machine.library.subscribe(str(tmp_path))  # a folder: the store's own
        report = machine.sync()
        assert not report.error
        assert "https://wire.test/feed.xml" in server.feed_urls()
        assert str(tmp_path) not in server.feed_urls()
        assert machine.library.server_feed_urls() >= {"https://wire.test/feed.xml"}
    finally:
        server.stop()


def test_a_sync_url_with_credentials_never_shows_them(tmp_path: Path) -> None:
    from .feedserver import closed_port_url

    url = closed_port_url().replace("http://", "http://me:s3cret-pw@")
    library = Library(resolve(tmp_path))
    report = library.sync(SyncSettings("greader", url, "me", ("printf", "pw\\n")))
    assert report.unreachable and "s3cret-pw" not in report.error and "***" in report.error
