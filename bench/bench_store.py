"""List and search at scale: fill a store with N generated articles, then time the first page of
the list, deeper pages, unread counts and searches (in-process medians), and the whole
``newsreader articles --limit 50`` command.

    python3 bench/bench_store.py --articles 100000 [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from newsreader.models import UNREAD, Article, ParsedFeed, ViewFilter
from newsreader.store import Store


def saved_filters(store: Store, common: str, mid: str, rare: str) -> list[tuple[str, ViewFilter]]:
    """Saved searches as the picker and ``articles --saved`` run them."""
    from newsreader.library.saved import read_query, view_filter

    queries = [common, mid, rare, f"feed:7 after:30 {mid}", f"tag:none {common}", "after:7"]
    return [
        (query, view_filter(read_query(query), lambda key: store.find_feed(key).id))
        for query in queries
    ]


def vocabulary(size: int = 30_000, seed: int = 7) -> tuple[list[str], list[float]]:
    """Pseudo-words with Zipf frequencies, like the words of real news text."""
    rng = random.Random(seed)
    consonants, vowels = "bcdfghklmnprstvwz", "aeiou"
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 3, 3, 4))
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables)))
    ordered = sorted(words, key=lambda w: (len(w), w))
    cumulative, total = [], 0.0
    for rank in range(1, size + 1):
        total += 1.0 / rank
        cumulative.append(total)
    return ordered, cumulative


WORDS, CUMULATIVE = vocabulary()


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=CUMULATIVE, k=words))


def fill(path: Path, articles: int, feeds: int, seed: int = 1) -> tuple[float, float]:
    rng = random.Random(seed)
    per_feed = articles // feeds
    stored = 0.0
    with Store(path) as store:
        for f in range(feeds):
            feed = store.add_feed(f"/bench/feed-{f}.xml")
            batch = []
            for i in range(per_feed):
                body = text(rng, rng.randint(300, 1200))
                batch.append(
                    Article(
                        guid=f"{f}-{i}",
                        title=text(rng, rng.randint(5, 12)).capitalize(),
                        url=f"https://host{f % 16}.example/{f}/{i}",
                        published=1_700_000_000 + rng.random() * 30_000_000,
                        body=f"<p>{body}</p>",
                        text=body,
                        summary=body[:200],
                    )
                )
            start = time.perf_counter()
            store.store_feed(feed.id, ParsedFeed(title=f"Feed {f}", articles=tuple(batch)))
            stored += time.perf_counter() - start
        start = time.perf_counter()
        store.index_pending(batch=2000)
    return stored, time.perf_counter() - start


def median_ms(fn, runs: int = 30) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--keep", help="reuse or keep the store in this directory")
    args = parser.parse_args()
    directory = Path(args.keep or tempfile.mkdtemp(prefix="nr-bench-"))
    db = directory / "newsreader.db"
    if not db.exists():
        stored, indexed = fill(db, args.articles, args.feeds)
        print(
            f"fill: {args.articles} articles stored in {stored:.1f} s, indexed in {indexed:.1f} s"
        )
    size = sum(p.stat().st_size for p in directory.glob("newsreader.db*"))
    with Store(db) as store:
        n = store.counts()[0]
        text_bytes = store.db.execute(
            "SELECT sum(length(body) + length(text)) FROM articles"
        ).fetchone()[0]
        overhead = (size - text_bytes) / n
        print(f"store: {size / 1e6:.0f} MB for {n} articles; {overhead:.0f} B/article beyond text")
        page = store.page(limit=50)
        rows = [
            ("first page (50)", lambda: store.page(limit=50)),
            ("page 40 deep (cursor)", lambda: store.page(after=page.next_cursor, limit=50)),
            ("unread page", lambda: store.page(limit=50, view=UNREAD)),
            ("one feed's page", lambda: store.page(limit=50, view=ViewFilter(feed_id=7))),
            ("counts", store.counts),
        ]
        common, mid, rare = WORDS[3], WORDS[300], WORDS[20_000]
        queries = [common, mid, rare, f"{mid} {WORDS[400]}", f'"{WORDS[10]} {WORDS[11]}"']
        queries += [f"{mid} OR {WORDS[500]}", WORDS[250][:3] + "*", "zyzzyva"]
        for query in queries:
            rows.append((f"search {query}", lambda q=query: store.search(q, 50)))
        for name, saved in saved_filters(store, common, mid, rare):
            unread = replace(saved, unread_only=True)
            rows.append((f"saved {name}: page", lambda v=saved: store.page(limit=50, view=v)))
            rows.append((f"saved {name}: unread", lambda v=unread: store.count(v)))
        for name, fn in rows:
            med, p95 = median_ms(fn)
            print(f"{name:28} median {med:7.2f} ms   p95 {p95:7.2f} ms")
    cmd = [
        sys.executable,
        "-m",
        "newsreader",
        "--data-dir",
        str(directory),
        "articles",
        "--limit",
        "50",
    ]
    walls = []
    for _ in range(7):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=os.environ)
        walls.append((time.perf_counter() - t0) * 1000)
    print(
        f"`newsreader articles --limit 50` whole process: median {statistics.median(walls):.0f} ms"
    )
    if not args.keep:
        print(f"(store left in {directory}; remove it when done)")


if __name__ == "__main__":
    main()
