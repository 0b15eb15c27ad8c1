"""Parse throughput on the shared real-feed corpus: articles/s and MB/s, one core.

python3 bench/bench_parse.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from newsreader.feeds.parse import parse_feed

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-feeds"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bodies = [p.read_bytes() for p in sorted(CORPUS.iterdir()) if p.suffix in (".xml", ".json")]
    size = sum(len(b) for b in bodies)
    best = None
    for _ in range(args.rounds):
        start = time.process_time()
        count = sum(len(parse_feed(b).articles) for b in bodies)
        elapsed = time.process_time() - start
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    print(f"{len(bodies)} feeds, {size / 1e6:.1f} MB, {count} articles")
    rate = f"{count / best:.0f} articles/s, {size / 1e6 / best:.2f} MB/s"
    print(f"best of {args.rounds}: {best:.2f} s CPU = {rate}")


if __name__ == "__main__":
    main()
