"""Where a cold refresh spends its CPU: seconds per process (the refresh, its parse workers, its
index job), read from /proc while it runs, and its wall time.

    python3 ../shared/bench/serve.py --root CORPUS --port 8765 --hosts 16 --latency-ms 50 &
    python3 bench/refresh_cpu.py --urls URLS

A process's last 50 ms may be missed (it is polled every 50 ms); the harness's rusage of the
whole process tree is the reference for the total.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent, CPU seconds, command line) of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{entry}/cmdline").read_text().replace("\0", " ").strip()
        except OSError:
            continue
        cpu = (int(stat[11]) + int(stat[12])) / TICKS
        found[int(entry)] = (int(stat[1]), cpu, command)
    return found


def descendants(root: int, table: dict[int, tuple[int, float, str]]) -> set[int]:
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (parent, _cpu, _command) in table.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=Path, required=True)
    parser.add_argument("--jobs", default="8")
    parser.add_argument(
        "--timeline",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="also print the CPU of each process in steps of SECONDS",
    )
    args = parser.parse_args()
    command = os.environ.get("NEWSREADER_CMD", "newsreader")
    with tempfile.TemporaryDirectory(prefix="refresh-cpu-") as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "NEWSREADER_DATA_DIR": str(data)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed wheel: bytecode kept
        subprocess.run(
            [command, "import", str(args.urls)], env=env, check=True, capture_output=True
        )
        started = time.monotonic()
        refresh = subprocess.Popen(
            [command, "refresh", "--jobs", args.jobs], env=env, stdout=subprocess.PIPE, text=True
        )
        lines: list[str] = []  # read as it comes: a full pipe would stop the refresh
        reader = threading.Thread(target=lambda: lines.extend(refresh.stdout or []), daemon=True)
        reader.start()
        seen: dict[int, tuple[float, str, float]] = {}
        samples: list[tuple[float, dict[int, float]]] = []  # (moment, CPU of each of the tree)
        while refresh.poll() is None:
            table = processes()
            moment = time.monotonic() - started
            tree = descendants(refresh.pid, table) & table.keys()
            for pid in tree:
                first = seen.get(pid, (0.0, "", moment))[2]
                seen[pid] = (table[pid][1], table[pid][2], first)
            if args.timeline:
                samples.append((moment, {pid: table[pid][1] for pid in tree}))
            time.sleep(0.05)
        wall = time.monotonic() - started
        reader.join(5)
        shutil.rmtree(data, ignore_errors=True)
    print(lines[-1].strip() if lines else "(no summary line)")
    print(f"wall {wall:.2f} s")
    for _pid, (cpu, name, first) in sorted(seen.items()):
        if cpu >= 0.05:
            print(f"  from {first:5.2f} s  CPU {cpu:6.2f} s  {name[:90]}")
    print(f"CPU {sum(cpu for cpu, _n, _f in seen.values()):.2f} s")
    if args.timeline:
        by_start = sorted(seen, key=lambda pid: seen[pid][2])
        print_timeline(samples, [pid for pid in by_start if seen[pid][0] >= 0.05], args.timeline)


def print_timeline(
    samples: list[tuple[float, dict[int, float]]], pids: list[int], step: float
) -> None:
    """Each process's share of a core in each step of ``step`` seconds (a column a process,
    ``pids`` in the order they started), the last step ending with the refresh."""
    print("  from  " + " ".join(f"{pid:>7}" for pid in pids) + "   total")
    mark, last = 0.0, dict.fromkeys(pids, 0.0)
    for number, (moment, cpu) in enumerate(samples, 1):
        if moment < mark + step and number < len(samples):
            continue
        now = {pid: cpu.get(pid, last[pid]) for pid in pids}  # an ended process: no more CPU
        shares = [(now[pid] - last[pid]) / max(moment - mark, 1e-9) for pid in pids]
        print(f"  {mark:4.2f}  " + " ".join(f"{s:7.2f}" for s in shares) + f"  {sum(shares):6.2f}")
        mark, last = moment, now


if __name__ == "__main__":
    main()
