"""CPU per article of each step a cold refresh runs, compiled against the Python reference.

Reads generated feed files (the shared generator's corpus, ``--feeds``: a folder of ``.xml``)
and times, in this process: parsing; the text of each HTML body (quick_text, its compiled steps
and ``reference_quick_text``); the words the related index counts (``packed_terms``, compiled,
and ``count_terms(...).packed()``); storing the feeds as a parse worker does; then the index
job's two passes over what was stored. Each step runs ``--rounds`` times; the best is shown.

    python3 bench/bench_refresh_steps.py --feeds /tmp/bench/corpus-f200-i50-s1-b2048-8192/feeds
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from newsreader.library.refresh import parse_body
from newsreader.related import terms
from newsreader.store import Store
from newsreader.store.indexing import text_of
from newsreader.text import htmldoc


def best_of(rounds: int, step: Callable[[], object]) -> float:
    """The least CPU seconds of ``rounds`` runs of ``step``."""
    spent = []
    for _ in range(rounds):
        started = time.process_time()
        step()
        spent.append(time.process_time() - started)
    return min(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=Path, required=True, help="a folder of .xml feeds")
    parser.add_argument("--limit", type=int, default=100, help="feeds read (default 100)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bodies = [path.read_bytes() for path in sorted(args.feeds.glob("*.xml"))[: args.limit]]
    parsed = [parse_body(body, "application/rss+xml", "http://127.0.0.1/") for body in bodies]
    articles = [article for feed in parsed for article in feed.articles]
    html = [a.body for a in articles if a.body_format == "html"]
    rows = [(a.title, a.summary, a.text or text_of(a.body), a.url) for a in articles]
    count = len(articles)
    print(f"{len(bodies)} feeds, {count} articles, {len(html)} HTML bodies")
    compiled = terms._counting is not None and htmldoc._quicktext is not None
    print(f"compiled modules: {'built' if compiled else 'NOT built: both columns are Python'}")

    def per_article(seconds: float, n: int = count) -> str:
        return f"{seconds / max(n, 1) * 1000:.4f} ms"

    steps: list[tuple[str, Callable[[], object], Callable[[], object] | None, int]] = [
        (
            "parse",
            lambda: [parse_body(b, "application/rss+xml", "http://127.0.0.1/") for b in bodies],
            None,
            count,
        ),
        (
            "text of an HTML body",
            lambda: [htmldoc.quick_text(b) for b in html],
            lambda: [htmldoc.reference_quick_text(b) for b in html],
            len(html),
        ),
        (
            "words for the related index",
            lambda: [terms.packed_terms(*row) for row in rows],
            lambda: [terms.count_terms(*row).packed() for row in rows],
            count,
        ),
    ]
    print(f"{'step':32s} {'compiled':>12s} {'reference':>12s}  (CPU a unit, best of rounds)")
    for name, fast, reference, units in steps:
        fast_seconds = best_of(args.rounds, fast)
        slow = per_article(best_of(args.rounds, reference), units) if reference else "-"
        print(f"{name:32s} {per_article(fast_seconds, units):>12s} {slow:>12s}")

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db", cache_mib=8) as store:
        ids = [store.add_feed(f"http://127.0.0.1/{n}").id for n in range(len(parsed))]
        started = time.process_time()
        for feed_id, feed in zip(ids, parsed, strict=True):
            store.store_feed(feed_id, feed, index=False)
        stored = time.process_time() - started
        print(f"{'store (text, words, SQL)':32s} {per_article(stored):>12s}")
        started = time.process_time()
        store._index_text(500, None)
        middle = time.process_time()
        store._index_related(500, None)
        done = time.process_time()
        print(f"{'index job: full-text pass':32s} {per_article(middle - started):>12s}")
        print(f"{'index job: related pass':32s} {per_article(done - middle):>12s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
