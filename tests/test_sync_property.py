"""Two machines, A and B, on one server, doing random things for 1,000 steps per server:
read, unread, star, unstar; a change made on the server itself; a new article; a sync; a line
that refuses, resets or loses answers; a machine restarted between syncs. Then the line is
mended and both sync: every article agrees on the server, on A and on B, no action waits,
and each article's state is the one the last action to reach the server set.

"Reached" is read from each machine's queue: an action taken off it by a sync reached the
server during that sync (the servers keep no time of a mark: between machines, the later to
arrive wins; on one machine, the later action)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from .syncservers import (
    ColdsweatServer,
    GReaderServer,
    SyncServer,
    TtrssServer,
    coldsweat_missing,
    ttrss_missing,
)
from .test_sync import Machine

pytestmark = pytest.mark.slow

STEPS, EXAMPLES, ACTIONS = 100, 12, 1_000  # at least 1,000 actions per server
MODES = ("refuse", "reset", "lost")
KINDS = {"read": ("read", True), "unread": ("read", False), "star": ("star", True),
         "unstar": ("star", False)}  # fmt: skip


def _server_change(server: SyncServer, item: str, kind: str, value: bool) -> None:
    """A change made on the server by someone else (its own web page)."""
    if isinstance(server, GReaderServer):
        with server.fake.lock:
            setattr(server.fake.items[int(item)], "read" if kind == "read" else "starred", value)
    elif isinstance(server, TtrssServer):
        server.set_state(item, **{("read" if kind == "read" else "starred"): value})
    else:
        assert isinstance(server, ColdsweatServer)
        table = "read" if kind == "read" else "saved"
        stamp = "read_on" if kind == "read" else "saved_on"
        with server._db() as db:
            if value:
                db.execute(
                    f"INSERT OR IGNORE INTO {table} (user_id, entry_id, {stamp})"
                    " VALUES (1, ?, datetime('now'))",
                    (int(item),),
                )
            else:
                db.execute(f"DELETE FROM {table} WHERE entry_id = ?", (int(item),))


class TwoMachines(RuleBasedStateMachine):
    service = "greader"
    steps = 0  # actions taken, over every example

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="nr-sync-"))
        self.server: SyncServer = _start(self.service, self.folder)
        self.feed = self.server.add_feed("https://gazette.test/feed.xml", "Gazette")
        self.items = [
            self.server.add_item(self.feed, f"Story {n}", read=n % 3 == 0, starred=n % 4 == 0)
            for n in range(6)
        ]
        monkeypatch = pytest.MonkeyPatch()
        self.machines = {
            name: Machine(self.folder / name, self.server, monkeypatch) for name in "AB"
        }
        # (item, kind) -> (when it reached the server, value)
        self.arrived: dict[tuple[str, str], tuple[float, bool]] = {}
        self.clock = 0.0

    def teardown(self) -> None:
        self.server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _tick(self) -> float:
        self.clock += 1
        return self.clock

    @initialize()
    def first_syncs(self) -> None:
        for item, (read, starred) in self.server.state().items():
            self.arrived[(item, "read")] = (0.0, read)
            self.arrived[(item, "star")] = (0.0, starred)
        for machine in self.machines.values():
            assert not machine.sync().error

    # -- what people do -------------------------------------------------------------------
    @rule(
        name=st.sampled_from("AB"), index=st.integers(0, 40), action=st.sampled_from(sorted(KINDS))
    )
    def act(self, name: str, index: int, action: str) -> None:
        machine = self.machines[name]
        ids = machine.ids()
        if not ids:
            return
        remote = sorted(ids)[index % len(ids)]
        article_id = ids[remote]
        if action in ("read", "unread"):
            machine.library.set_read([article_id], action == "read")
            return
        url = machine.library.article(article_id)[0].url
        if action == "star":
            machine.bookmarks.add(machine.library.bookmark_snapshot(article_id))
        else:
            machine.bookmarks.remove(url)
        machine.library.queue_star(url, action == "star")

    @rule(index=st.integers(0, 40), action=st.sampled_from(sorted(KINDS)))
    def change_on_the_server(self, index: int, action: str) -> None:
        items = sorted(self.server.state())
        item = items[index % len(items)]
        kind, value = KINDS[action]
        _server_change(self.server, item, kind, value)
        self.arrived[(item, kind)] = (self._tick(), value)

    @precondition(lambda self: len(self.server.state()) < 14)
    @rule()
    def new_article(self) -> None:
        item = self.server.add_item(self.feed, f"Story {len(self.server.state())}")
        now = self._tick()
        self.arrived[(item, "read")] = (now, False)
        self.arrived[(item, "star")] = (now, False)

    @rule(name=st.sampled_from("AB"))
    def sync(self, name: str) -> None:
        machine = self.machines[name]
        with machine.library.store() as store:
            waiting = {}
            for action in store.queued():
                kind, value = KINDS[action.action]
                waiting[(action.target, kind)] = value  # the latest wins, in queue order
        report = machine.sync()
        with machine.library.store() as store:
            left = {(a.target, KINDS[a.action][0]) for a in store.queued()}
        now = self._tick()
        for key, value in waiting.items():
            if key not in left:  # taken off the queue: it reached the server in this sync
                self.arrived[key] = (now, value)
        if self.server.proxy.mode == "up":
            assert not report.error, report.error

    @rule(mode=st.sampled_from(MODES))
    def break_the_line(self, mode: str) -> None:
        self.server.proxy.set(mode)

    @rule()
    def mend_the_line(self) -> None:
        self.server.proxy.set("up")

    @rule(name=st.sampled_from("AB"))
    def restart(self, name: str) -> None:
        old = self.machines[name]
        self.machines[name] = Machine(old.folder, self.server, pytest.MonkeyPatch())

    # -- what must hold ---------------------------------------------------------------------
    @invariant()
    def count_the_step(self) -> None:
        type(self).steps += 1

    def check_everyone_agrees(self) -> None:
        self.server.proxy.set("up")
        for name in "ABA":
            self.sync(name)
        for machine in self.machines.values():
            assert machine.library.queued_actions() == 0  # no action left behind
        server = self.server.state()
        a, b = self.machines["A"].state(), self.machines["B"].state()
        assert a == b == server
        for (item, kind), (_when, value) in self.arrived.items():
            read, starred = server[item]
            assert (read if kind == "read" else starred) == value, (item, kind)


def _start(service: str, folder: Path) -> SyncServer:
    if service == "ttrss":
        return TtrssServer()
    if service == "fever":
        return ColdsweatServer(folder)
    return GReaderServer()


@pytest.mark.parametrize("service", ["greader", "fever", "ttrss"])
def test_two_machines_agree_after_random_actions_failures_and_restarts(service: str) -> None:
    if service == "ttrss" and (why := ttrss_missing()):
        pytest.skip(why)
    if service == "fever" and (why := coldsweat_missing()):
        pytest.skip(why)

    class Run(TwoMachines):
        pass

    Run.service = service
    Run.steps = 0
    original = Run.teardown

    def teardown(self: TwoMachines) -> None:
        try:
            self.check_everyone_agrees()
        finally:
            original(self)

    Run.teardown = teardown  # type: ignore[method-assign]
    started = time.monotonic()
    Run.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    Run.TestCase().runTest()
    assert time.monotonic() - started < 900
    assert Run.steps >= ACTIONS, Run.steps
