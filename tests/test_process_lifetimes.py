"""Processes a refresh starts end with it, however it ends. Real processes and signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.store import Store

from .feedserver import FeedServer

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    yield srv
    srv.stop()


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_a_refresh_leaves_no_worker_behind(
    server: FeedServer, tmp_path: Path, how: signal.Signals
) -> None:
    data = tmp_path / "data"
    with Store(data / "newsreader.db") as store:
        for i in range(10):  # a process pool: more than 8 feeds
            store.add_feed(f"{server.base}/fast{i}")
        for i in range(4):  # these keep the refresh going while the workers parse the others
            store.add_feed(f"{server.base}/slow?{i}")
    refresh = subprocess.Popen(
        [sys.executable, "-m", "newsreader", "--data-dir", str(data), "refresh"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        workers: set[int] = set()
        while time.monotonic() < deadline and refresh.poll() is None:
            workers = children_of(refresh.pid)
            if len(workers) >= 2:  # the parse workers are up: the moment to kill it
                break
            time.sleep(0.01)
        assert len(workers) >= 2, "the refresh never started its parse workers"
        refresh.send_signal(how)
        refresh.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if alive(w)], "workers outlived their refresh"
    finally:
        if refresh.poll() is None:
            refresh.kill()
            refresh.wait()
        for worker in workers:  # a failed run leaves nothing behind either
            if alive(worker):
                os.kill(worker, signal.SIGKILL)
