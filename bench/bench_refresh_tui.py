"""Held j in the reader while it runs a cold refresh: does the list still answer the keys?

A store holds the first ``--seed-feeds`` feeds of URLS (refreshed once, before); the rest are
subscribed and new. The reader runs in tmux (Debian ``tmux``) as a user runs it; R starts the
refresh, then bursts of ``--burst`` j (k on the way back), each followed by ``?``: when the
help screen is drawn, every key of the burst was handled (keys are handled in order; rows
arriving above the cursor move its position counter, so the counter cannot tell). Prints the
rows a second of the bursts during the refresh and of the same bursts once it is over.

    python3 ../shared/bench/serve.py --root CORPUS --port 8765 --hosts 16 --latency-ms 50 &
    python3 bench/bench_refresh_tui.py --urls URLS [--seed-feeds 20] [--burst 100]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESSION = "bench-refresh-tui"


def newsreader(data: Path, *args: str) -> None:
    env = {**os.environ, "NEWSREADER_DATA_DIR": str(data)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "newsreader", *args]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)


def seeded_store(urls: Path, seed_feeds: int, data: Path) -> None:
    lines = urls.read_text().splitlines()
    seed = data / "seed-urls"
    seed.write_text("\n".join(lines[:seed_feeds]) + "\n")
    newsreader(data, "import", str(seed))
    newsreader(data, "refresh")
    newsreader(data, "import", str(urls))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_until(found: object, timeout: float = 60.0) -> float:
    """Seconds until ``found(screen)`` is true (polled every 5 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if found(screen()):  # type: ignore[operator]
            return time.perf_counter() - started
        time.sleep(0.005)
    raise SystemExit(f"timed out:\n{screen()}")


def burst(keys: str, count: int) -> float:
    """Rows a second: ``count`` presses of ``keys`` and ``?``, until the help is drawn."""
    started = time.perf_counter()
    tmux("send-keys", "-t", SESSION, "-N", str(count), keys)
    tmux("send-keys", "-t", SESSION, "?")
    wait_until(lambda s: "Esc closes" in s)
    rate = count / (time.perf_counter() - started)
    tmux("send-keys", "-t", SESSION, "Escape")
    wait_until(lambda s: "Esc closes" not in s)
    return rate


def held_j(data: Path, count: int, size: str) -> tuple[list[float], list[float], float]:
    width, height = size.split("x")
    command = (
        f"TERM=xterm-256color NEWSREADER_DATA_DIR={shlex.quote(str(data))}"
        f" exec {shlex.quote(sys.executable)} -m newsreader"
        f" --bookmarks {shlex.quote(str(data / 'bookmarks.json'))}"
    )
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    tmux("new-session", "-d", "-s", SESSION, "-x", width, "-y", height, command)
    during: list[float] = []
    after: list[float] = []
    try:
        wait_until(lambda s: " 1/" in s)
        started = time.perf_counter()
        tmux("send-keys", "-t", SESSION, "R")
        wait_until(lambda s: "refreshing" in s or "indexing" in s, 10)
        keys = "j"
        while True:
            shown = screen()
            if "refreshing" not in shown and "indexing" not in shown:
                break
            during.append(burst(keys, count))
            keys = "k" if keys == "j" else "j"
        seconds = time.perf_counter() - started
        for _ in range(max(3, min(len(during), 8))):
            after.append(burst(keys, count))
            keys = "k" if keys == "j" else "j"
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], capture_output=True)
        time.sleep(0.5)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    return during, after, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=Path, required=True)
    parser.add_argument("--seed-feeds", type=int, default=20)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--size", default="160x48")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refresh-tui-") as tmp:
        data = Path(tmp)
        seeded_store(args.urls, args.seed_feeds, data)
        during, after, seconds = held_j(data, args.burst, args.size)

    def line(name: str, rates: list[float]) -> str:
        if not rates:
            return f"{name}: no burst"
        return (
            f"{name}: {len(rates)} bursts of {args.burst}, rows/s min {min(rates):.0f},"
            f" median {statistics.median(rates):.0f}, max {max(rates):.0f}"
        )

    print(f"refresh in the reader, R to the header's last 'refreshing'/'indexing': {seconds:.1f} s")
    print(line("held j during the refresh", during))
    print(line("held j after it", after))


if __name__ == "__main__":
    main()
