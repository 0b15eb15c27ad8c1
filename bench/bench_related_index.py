"""What the related-articles index adds to storing an article: counting its words (runs in the
parse workers, beside the parse) and writing its postings (runs in the store's transaction),
per article, on the labeled news corpus and on generated 2-8 KB articles; and storing feeds of
50 the way a refresh does (``store_feed`` without indexing, then one ``index_pending`` over
everything stored, in batches of 500) with the related index against the same with it
switched off. One process: the figures are CPU on one core.

    python3 bench/bench_related_index.py [--store DIR]

Each comparison runs three times, alternated; the medians are compared. ``--store DIR`` runs
the with/without comparison in an existing (large) store, e.g. the one
``eval_related.py --distractors 100000 --keep DIR`` leaves: feeds are added to it.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from newsreader.models import Article, ParsedFeed
from newsreader.related import terms as relatedindex
from newsreader.store import Store, postings
from newsreader.text.htmldoc import quick_text

SHARED = Path(__file__).resolve().parents[2] / "shared"


def corpus_texts() -> list[tuple[str, str, str]]:
    path = SHARED / "corpus/labeled/newscluster-events.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [(r["title"], r.get("description") or "", r["body"]) for r in rows]


def generated(count: int) -> list[Article]:
    sys.path.insert(0, str(SHARED / "bench"))
    from gen_corpus import ArticleGen

    gen, rng = ArticleGen(random.Random(1)), random.Random(2)
    out = []
    for i in range(count):
        html = gen.html_body("site.example", rng.randint(2000, 8000))
        text = quick_text(html)
        out.append(
            Article(guid=str(i), title=gen.title(), summary=gen.plain(200), body=html,
                    body_format="html", text=text, published=1e9 + i)
        )  # fmt: skip
    return out


def per_article(texts: list[tuple[str, str, str]], label: str) -> None:
    started = time.perf_counter()
    counts = [relatedindex.count_terms(*t).packed() for t in texts]
    counting = (time.perf_counter() - started) / len(texts) * 1000
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db") as store:
        items = list(enumerate(counts, 1))
        started = time.perf_counter()
        for start in range(0, len(items), 50):
            with store.write():
                postings.index_articles(store.db, items[start : start + 50])
        writing = (time.perf_counter() - started) / len(items) * 1000
    print(f"{label:22} count_terms {counting:.2f} ms, index_articles {writing:.2f} ms per article")


def store_feeds(articles: list[Article], label: str, into: Path | None = None) -> float:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Store((into or Path(tmp)) / "newsreader.db") as store,
    ):
        run = f"{label}-{time.time()}"
        started = time.perf_counter()
        for start in range(0, len(articles), 50):
            feed = store.add_feed(f"/bench-related-index/{run}/{start}")
            batch = tuple(articles[start : start + 50])
            store.store_feed(feed.id, ParsedFeed(title="F", articles=batch), index=False)
        stored = time.perf_counter()
        store.index_pending(batch=500)  # as a refresh does
        done = time.perf_counter()
        cost = (done - started) / len(articles) * 1000
        storing = (stored - started) / len(articles) * 1000
        indexing = (done - stored) / len(articles) * 1000
    print(f"{label:22} {cost:.2f} ms per article: storing {storing:.2f}, indexing {indexing:.2f}")
    return cost


def main() -> int:
    into = Path(sys.argv[sys.argv.index("--store") + 1]) if "--store" in sys.argv else None
    articles = generated(2000)
    if into is None:
        per_article(corpus_texts(), "newscluster (383)")
        per_article([(a.title, a.summary, a.text) for a in articles], "generated (2,000)")
    else:
        with Store(into / "newsreader.db") as store:
            print(f"into a store of {store.counts()[0]} articles")
    # alternated, three rounds each (the first touches a cold cache): medians compared
    with_index: list[float] = []
    without: list[float] = []
    saved = postings.index_articles, relatedindex.count_terms
    nothing = relatedindex.TermCounts({}, {})
    for _round in range(3):
        with_index.append(store_feeds(articles, "with the index", into))
        postings.index_articles = lambda db, items: None  # type: ignore[assignment]
        relatedindex.count_terms = lambda *a: nothing  # type: ignore[assignment]
        try:
            without.append(store_feeds(articles, "without it", into))
        finally:
            postings.index_articles, relatedindex.count_terms = saved
    added = statistics.median(with_index) - statistics.median(without)
    print(f"the index adds {added:.2f} ms per stored article (one process, medians)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
