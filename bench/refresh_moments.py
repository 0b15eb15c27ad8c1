"""When a cold refresh has stored everything, is searchable, and is done, from its launch.

The side-by-side harness (../shared/bench/bench_reload.py) times a reader's whole process; a
newsreader refresh is useful before it ends: its articles are listed once stored, and found by
search once the full-text index is written (the related-articles index comes last). This runs
``newsreader refresh`` on a fresh store and reads those moments from its output, alternating
with newsboat's reload on the same feeds when ``--newsboat`` is given.

    python3 ../shared/bench/serve.py --root CORPUS --port 8765 --hosts 16 &
    python3 bench/refresh_moments.py --urls URLS [--runs 3] [--newsboat]

URLS: one feed URL a line (the generated corpus's ``urls``, pointed at the server).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEWSBOAT = HERE.parent.parent / "shared" / "bench" / "readers" / "newsboat"
SUMMARY = re.compile(r"stored in [\d.]+ s, search index ([\d.]+) s, related index ([\d.]+) s")


def newsboat_seconds(urls: Path, work: Path) -> float:
    cache = work / "newsboat" / "cache.db"
    shutil.rmtree(cache.parent, ignore_errors=True)
    cache.parent.mkdir(parents=True)
    start = time.monotonic()
    subprocess.run(
        [str(NEWSBOAT), "reload", "--urls", str(urls), "--cache", str(cache), "--threads", "8"],
        check=True, capture_output=True, timeout=1800,
    )  # fmt: skip
    return time.monotonic() - start


def newsreader_moments(urls: Path, work: Path) -> tuple[float, float, float]:
    """(all stored, searchable, done), seconds from the launch."""
    data = work / "newsreader"
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "NEWSREADER_DATA_DIR": str(data)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed wheel: bytecode kept
    command = os.environ.get("NEWSREADER_CMD", "newsreader")  # as the bench adapter reads it
    subprocess.run([command, "import", str(urls)], env=env, check=True, capture_output=True)
    start = time.monotonic()
    process = subprocess.Popen(
        [command, "refresh", "--jobs", "8"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    stored = 0.0
    summary = None
    for line in process.stdout:
        if line.startswith(("  ok", "skip", "FAIL")):
            stored = time.monotonic() - start
        elif match := SUMMARY.search(line):
            summary = match
    process.wait()
    done = time.monotonic() - start
    if summary is None:
        raise SystemExit("no summary line: is the feed server running?")
    return stored, done - float(summary.group(2)), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--newsboat", action="store_true", help="alternate with newsboat")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refresh-moments-") as tmp:
        work = Path(tmp)
        for run in range(1, args.runs + 1):
            line = f"run {run}:"
            base = newsboat_seconds(args.urls, work) if args.newsboat else None
            if base is not None:
                line += f" newsboat {base:.2f} s |"
            stored, searchable, done = newsreader_moments(args.urls, work)
            for name, seconds in (("stored", stored), ("searchable", searchable), ("done", done)):
                ratio = f" ({seconds / base:.2f}x)" if base else ""
                line += f" {name} {seconds:.2f} s{ratio}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
