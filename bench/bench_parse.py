"""Parse throughput on the shared real-feed corpus: articles/s and MB/s, one core.

python3 bench/bench_parse.py [--rounds 3] [--fast-only]

``--fast-only``: only the feeds the lxml fast path reads (feedparser's share of the time, which
varies most from run to run, left out).
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
    parser.add_argument("--fast-only", action="store_true")
    args = parser.parse_args()
    bodies = [p.read_bytes() for p in sorted(CORPUS.iterdir()) if p.suffix in (".xml", ".json")]
    if args.fast_only:
        from newsreader.feeds.fastparse import parse_fast
        from newsreader.feeds.parse import prepare

        bodies = [b for b in bodies if parse_fast(prepare(b)) is not None]
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
