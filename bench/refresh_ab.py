"""A cold refresh of this working tree against another revision's, alternated run by run.

This machine's speed moves by more than most changes gain within minutes, so a change is
judged only against its base timed in turn with it: each pair runs ``bench/refresh_cpu.py``
once for the base (a git worktree of ``--base``, with this tree's compiled modules when the
C sources are the same) and once for this tree, in alternating order. Prints each run, then
the medians of stored, wall and CPU, and in how many pairs this tree was faster.

    python3 ../shared/bench/serve.py --root CORPUS --port 8765 --hosts 16 --latency-ms 50 &
    python3 bench/refresh_ab.py --urls URLS --base HEAD [--pairs 8] [--jobs 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
SUMMARY = re.compile(r"stored in ([\d.]+) s.*\nwall ([\d.]+) s", re.S)
TOTAL = re.compile(r"^CPU ([\d.]+) s", re.M)


def command_for(source: Path, folder: Path, name: str) -> str:
    """A ``newsreader`` command running the source tree at ``source`` (both sides are started
    alike: no entry-point script, no shim)."""
    command = folder / name
    command.write_text(
        f"#!/bin/sh\nPYTHONPATH={source / 'src'} exec {sys.executable} -c"
        " 'import sys; from newsreader.cli import main; sys.exit(main())' \"$@\"\n"
    )
    command.chmod(0o755)
    return str(command)


def base_tree(revision: str, folder: Path) -> Path:
    """A worktree of ``revision`` in ``folder``, with this tree's compiled modules."""
    source = folder / "tree"
    subprocess.run(
        ["git", "-C", str(TREE), "worktree", "add", "--detach", str(source), revision],
        check=True, capture_output=True,
    )  # fmt: skip
    changed = subprocess.run(
        ["git", "-C", str(TREE), "diff", "--quiet", revision, "--", "src/**/*.c"], check=False
    ).returncode
    if changed:
        sys.exit(f"the C sources differ from {revision}: build that revision to compare it")
    for built in (TREE / "src").rglob("*.so"):
        shutil.copy2(built, source / built.relative_to(TREE))
    return source


def one_run(command: str, urls: Path, jobs: int) -> tuple[float, float, float]:
    """(stored, wall, CPU) seconds of one cold refresh."""
    out = subprocess.run(
        [sys.executable, str(HERE / "refresh_cpu.py"), "--urls", str(urls), "--jobs", str(jobs)],
        env={**os.environ, "NEWSREADER_CMD": command},
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found, total = SUMMARY.search(out), TOTAL.search(out)
    if not found or not total:
        sys.exit(f"no summary in refresh_cpu's output:\n{out}")
    return float(found[1]), float(found[2]), float(total[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=Path, required=True)
    parser.add_argument("--base", default="HEAD", help="the revision to compare with")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=16)
    args = parser.parse_args()
    runs: dict[str, list[tuple[float, float, float]]] = {"base": [], "this": []}
    with tempfile.TemporaryDirectory(prefix="refresh-ab-") as tmp:
        this = command_for(TREE, Path(tmp), "this")
        base = command_for(base_tree(args.base, Path(tmp)), Path(tmp), "base")
        try:
            for pair in range(args.pairs):
                order = [("base", base), ("this", this)]
                for side, command in order if pair % 2 == 0 else order[::-1]:
                    runs[side].append(one_run(command, args.urls, args.jobs))
                    stored, wall, cpu = runs[side][-1]
                    print(
                        f"{side:4s}  stored {stored:5.2f} s  wall {wall:5.2f} s  CPU {cpu:5.2f} s"
                    )
        finally:
            subprocess.run(
                ["git", "-C", str(TREE), "worktree", "remove", "--force", str(Path(tmp) / "tree")],
                check=False, capture_output=True,
            )  # fmt: skip
    for side, done in runs.items():
        medians = [statistics.median(run[i] for run in done) for i in range(3)]
        print(f"{side:4s}  median stored {medians[0]:.2f} s, wall {medians[1]:.2f} s,"
              f" CPU {medians[2]:.2f} s")  # fmt: skip
    faster = sum(t[1] < b[1] for b, t in zip(runs["base"], runs["this"], strict=True))
    print(f"this tree faster (wall) in {faster} of {args.pairs} pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
