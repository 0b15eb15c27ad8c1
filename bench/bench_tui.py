"""The TUI on a large store, driven in tmux as a user drives it (Debian ``tmux``):

- ``j`` held: a burst of N ``j`` keys; time until the list's position counter shows row N+1
  (every key handled, the screen redrawn as fast as Textual draws);
- opening an article: Enter (after Esc and j), time until its headline is on the screen;
- the reader's peak RSS (VmHWM of its process) at the end;
- in the process (Textual's headless driver, no terminal): the open request to the painted
  frame, straight and, in the one-pane layout, after the cursor rested on the row.

    python3 bench/bench_tui.py --data-dir DIR [--presses 300] [--opens 20]
    python3 bench/bench_tui.py --keep /tmp/tui100k --articles 100000   # builds the store first

The screen is polled with ``tmux capture-pane`` every 5 ms, so times include up to that much
polling; process start to first screen, side by side with newsboat, is
``../shared/bench/bench_startup.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

SESSION = "newsreader-bench-tui"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for(pattern: str, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    regex = re.compile(pattern)
    while time.perf_counter() - started < timeout:
        if regex.search(screen()):
            return time.perf_counter() - started
        time.sleep(0.005)
    raise SystemExit(f"timed out waiting for {pattern!r}:\n{screen()}")


def peak_rss_mb(pid: int) -> float:
    for child in [pid, *_descendants(pid)]:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        if "newsreader" in Path(f"/proc/{child}/cmdline").read_text():
            return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    return 0.0


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    found = [int(p) for p in out]
    for child in list(found):
        found += _descendants(child)
    return found


def titles_in_order(data: Path, limit: int) -> list[str]:
    from newsreader.store import Store

    with Store(data / "newsreader.db") as store:
        return [row.title for row in store.rows_at(0, limit)]


def start(data: Path, size: str) -> tuple[int, float]:
    width, height = size.split("x")
    command = (
        f"TERM=xterm-256color exec {shlex.quote(sys.executable)} -m newsreader"
        f" --data-dir {shlex.quote(str(data))} --bookmarks {shlex.quote(str(data / 'b.json'))}"
    )
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    started = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", width, "-y", height, command)
    pid = int(tmux("display", "-p", "-t", SESSION, "#{pane_pid}").strip())
    wait_for(r"\b1/\d+")
    return pid, time.perf_counter() - started


def stop() -> None:
    tmux("send-keys", "-t", SESSION, "q")
    time.sleep(0.5)
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


def run_burst(data: Path, size: str, presses: int) -> tuple[float, int, float, float]:
    """Three panes: time to the first screen, then a burst of j."""
    pid, first = start(data, size)
    try:
        total = int(re.search(r"\b1/(\d+)", screen()).group(1))
        time.sleep(0.5)
        started = time.perf_counter()
        tmux("send-keys", "-t", SESSION, "-N", str(presses), "j")
        wait_for(rf"\b{presses + 1}/{total}\b")
        burst = time.perf_counter() - started
        rss = peak_rss_mb(pid)
    finally:
        stop()
    return first, total, burst, rss


def run_opens(data: Path, count: int) -> tuple[list[float], float]:
    """One pane (100 columns: no preview beside the list): Enter until the headline shows."""
    titles = titles_in_order(data, count + 2)
    pid, _ = start(data, "100x30")
    opens = []
    try:
        for n in range(count):
            if n:  # h, not Esc: a terminal cannot tell Esc then j from Alt+j
                tmux("send-keys", "-t", SESSION, "h")
                wait_for(rf"\b{n}/\d+ ─╯")  # the list is back
                tmux("send-keys", "-t", SESSION, "j")
            wait_for(rf"\b{n + 1}/\d+")
            title = titles[n][:30]
            t0 = time.perf_counter()
            tmux("send-keys", "-t", SESSION, "Enter")
            wait_for(r"Article[^\n]*\n[^\n]*" + re.escape(title))
            opens.append((time.perf_counter() - t0) * 1000)
        rss = peak_rss_mb(pid)
    finally:
        stop()
    return sorted(opens), rss


def run_opens_wide(data: Path, size: str, count: int, floor: list[float]) -> list[float]:
    """Three panes: j then Enter before the preview starts; time until the headline is in the
    reading pane (rows whose title is longer than the list shows it: at least 45 characters)."""
    titles = titles_in_order(data, 400)
    _pid, _ = start(data, size)
    opens: list[float] = []
    try:
        n = 0
        while len(opens) < count and n < len(titles) - 1:
            n += 1
            title = titles[n]
            t0 = time.perf_counter()
            tmux("send-keys", "-t", SESSION, "j", "Enter")
            if len(title) >= 45:
                wait_for(re.escape(title[:45]))
                opens.append((time.perf_counter() - t0) * 1000)
            else:
                wait_for(rf"\b{n + 1}/\d+")
            time.sleep(0.2)
        for _ in range(count):  # the floor: one j, until the position counter moves
            n += 1
            t0 = time.perf_counter()
            tmux("send-keys", "-t", SESSION, "j")
            wait_for(rf"\b{n + 1}/\d+")
            floor.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.2)
    finally:
        stop()
    return sorted(opens)


def in_app_opens(data: Path, size: tuple[int, int], count: int, rested: bool) -> list[float]:
    """Inside the process (Textual's headless driver): from the open request to the frame
    with the article painted (``call_after_refresh``), no terminal or tmux in between.
    ``rested``: the cursor rested on the row first, as a reader's does while reading the
    title (in the one-pane layout the article is then ready before Enter); otherwise the
    open reads, builds and wraps the article itself."""
    import asyncio

    from newsreader.library.config import Config
    from newsreader.library.paths import resolve
    from newsreader.ui.app import NewsreaderApp
    from newsreader.ui.articlelist import ArticleList

    async def run() -> list[float]:
        app = NewsreaderApp(resolve(data, bookmarks_file=data / "b.json"), Config())
        times: list[float] = []
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.5)
            article_list = app.query_one(ArticleList)
            for n in range(count):
                article_list.move_to(n + 1)
                await pilot.pause(0.3)
                if not rested:
                    app.main.prefetched = None
                painted = asyncio.Event()
                show = app.main._show_article

                def shown(*args: object, show=show, painted=painted) -> None:
                    show(*args)
                    app.main.call_after_refresh(painted.set)  # the screen paints it

                app.main._show_article = shown  # type: ignore[method-assign]
                started = time.perf_counter()
                app.main.open_row(article_list.current)
                await painted.wait()
                times.append((time.perf_counter() - started) * 1000)
                app.main._show_article = show  # type: ignore[method-assign]
                await app.main.action_back()
                await pilot.pause(0.3)
        return sorted(times)

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--keep", type=Path, help="build the store here first (reused)")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--opens", type=int, default=20)
    parser.add_argument("--size", default="160x48")
    args = parser.parse_args()
    data = args.data_dir or args.keep
    if data is None:
        parser.error("give --data-dir or --keep")
    if not (data / "newsreader.db").exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_store import fill

        data.mkdir(parents=True, exist_ok=True)
        fill(data / "newsreader.db", args.articles, 200)
    first, total, burst, rss = run_burst(data, args.size, args.presses)
    opens, rss2 = run_opens(data, args.opens)
    floor: list[float] = []
    wide = run_opens_wide(data, args.size, args.opens, floor)
    w, h = (int(v) for v in args.size.split("x"))
    in_wide = in_app_opens(data, (w, h), args.opens, rested=False)
    in_narrow = in_app_opens(data, (100, 30), args.opens, rested=False)
    in_narrow_rested = in_app_opens(data, (100, 30), args.opens, rested=True)
    rss = max(rss, rss2)
    print(f"rows in the view        {total}")
    print(f"first screen (process)  {first * 1000:.0f} ms")
    print(f"j x{args.presses}: {burst:.2f} s = {args.presses / burst:.0f} rows/s")
    floor.sort()
    for label, times in (
        (f"open at {args.size}", wide),
        ("open at 100x30", opens),
        ("floor: j to the counter moving", floor),
        (f"in-app open at {args.size}", in_wide),
        ("in-app open at 100x30", in_narrow),
        ("in-app open at 100x30, cursor rested", in_narrow_rested),
    ):
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{label}: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms")
    print(f"peak RSS                {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TERM", "xterm-256color")
    raise SystemExit(main())
