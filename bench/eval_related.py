"""Score related articles on ../shared/corpus/labeled and time them.

Every article of a labeled file becomes one ``.json`` article file in a folder per outlet; the
folders are imported as local sources into a fresh store, exactly as a user's would be. For each
article whose label has another member, ``related_articles`` ranks the rest; precision@5,
recall@5 and MRR are scored against the label (the method of the corpus README).
``--distractors N`` first stores N generated articles (the shared benchmark generator's text,
dated across the corpus years), to check that quality holds in a large store and to time it.

    python3 bench/eval_related.py                       # newscluster events
    python3 bench/eval_related.py --distractors 100000  # the same among 100,000 others
    python3 bench/eval_related.py --reuse DIR           # score again a store --keep DIR left
    python3 bench/eval_related.py --file basil-story-triplets.jsonl --label story_id
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newsreader.library.refresh import refresh_all
from newsreader.models import Article, ParsedFeed
from newsreader.related.rank import related_articles
from newsreader.store import Store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
LABELED = SHARED / "corpus" / "labeled"


@dataclass
class Scores:
    queries: int
    precision: float
    ceiling: float
    recall: float
    mrr: float
    recall_ceiling: float
    times_ms: list[float]
    same_story: tuple[int, int] = (0, 0)  # (entries marked same story, of them the same label)

    def line(self) -> str:
        t = sorted(self.times_ms)
        p99 = t[min(len(t) - 1, int(len(t) * 0.99))] if t else 0.0
        return (
            f"queries {self.queries}  p@5 {self.precision:.3f} (ceiling {self.ceiling:.3f})"
            f"  recall@5 {self.recall:.3f} (ceiling {self.recall_ceiling:.3f})  MRR {self.mrr:.3f}"
            f"  time median {statistics.median(t) if t else 0:.1f} ms  p99 {p99:.1f} ms"
            f"\nmarked same story: {self.same_story[0]} entries,"
            f" {self.same_story[1] / max(self.same_story[0], 1):.3f} of them the same label"
        )


def write_articles(rows: list[dict], folder: Path, date_field: str = "date_publish") -> None:
    """One JSON article file per row, in one folder per outlet (the outlet is the source)."""
    for row in rows:
        outlet = row.get("source_domain") or row.get("source") or "unknown"
        target = folder / outlet.replace("/", "_")
        target.mkdir(parents=True, exist_ok=True)
        article = {
            "id": row["id"],
            "title": row.get("title") or "",
            "url": row.get("url") or "",
            "published": row.get(date_field) or row.get("date") or None,
            "summary": row.get("description") or "",
            "text": row.get("body") or "",
            "sources": [outlet],
        }
        (target / f"{row['id'].replace('/', '_')}.json").write_text(
            json.dumps(article, ensure_ascii=False), encoding="utf-8"
        )


def import_folders(store: Store, folder: Path) -> None:
    feeds = [store.add_feed(str(p)) for p in sorted(folder.iterdir()) if p.is_dir()]
    outcomes = refresh_all(store, feeds)
    failed = [o for o in outcomes if getattr(o, "error", None)]
    if failed:
        raise SystemExit(f"import failed: {failed[:3]}")


def add_distractors(store: Store, count: int, seed: int = 11) -> float:
    """Store ``count`` generated articles (feeds of 500), dated 2013..2018. Returns seconds."""
    sys.path.insert(0, str(SHARED / "bench"))
    from gen_corpus import ArticleGen  # the shared generator's text

    from newsreader.text.htmldoc import quick_text

    rng = random.Random(seed)
    start_ts = datetime(2013, 1, 1, tzinfo=UTC).timestamp()
    end_ts = datetime(2018, 12, 31, tzinfo=UTC).timestamp()
    started = time.perf_counter()
    for f in range(0, count, 500):
        gen = ArticleGen(random.Random(f"{seed}-{f}"))
        feed = store.add_feed(f"/distractors/feed-{f // 500}")
        articles = []
        for i in range(min(500, count - f)):
            html = gen.html_body(f"site{f}.example", rng.randint(2000, 8000))
            articles.append(
                Article(
                    guid=f"d{f}-{i}",
                    title=gen.title(),
                    url=f"https://site{f}.example/{i}",
                    published=rng.uniform(start_ts, end_ts),
                    summary=gen.plain(200),
                    body=html,
                    body_format="html",
                    text=quick_text(html),
                )
            )
        store.store_feed(
            feed.id, ParsedFeed(title=f"Distractors {f // 500}", articles=tuple(articles))
        )
    return time.perf_counter() - started


def evaluate(store: Store, rows: list[dict], label: str, limit: int = 10) -> Scores:
    labels = {row["id"]: row[label] for row in rows}
    sizes = Counter(labels.values())
    by_guid = {
        guid: article_id
        for article_id, guid in store.db.execute("SELECT id, guid FROM articles")
        if guid in labels
    }
    label_of_article = {article_id: labels[guid] for guid, article_id in by_guid.items()}
    precision = recall = mrr = ceiling = recall_ceiling = 0.0
    times: list[float] = []
    queries = marked = marked_right = 0
    for row in rows:
        others = sizes[row[label]] - 1
        if others == 0 or row["id"] not in by_guid:
            continue
        article = store.article(by_guid[row["id"]])
        assert article is not None
        started = time.perf_counter()
        found = related_articles(store, article, limit)
        times.append((time.perf_counter() - started) * 1000)
        # a folded copy counts where its entry stands
        ranked = [[item.row.id, *item.also_ids] for item in found]
        flat = [i for group in ranked for i in group]
        hits = [label_of_article.get(i) == row[label] for i in flat]
        top = sum(hits[:5])
        precision += top / 5
        recall += top / others
        ceiling += min(others, 5) / 5
        recall_ceiling += min(others, 5) / others  # an event of 19 can show 5 of its 18 others
        mrr += next((1 / (n + 1) for n, hit in enumerate(hits) if hit), 0.0)
        queries += 1
        for item in found:
            if item.same_story:
                marked += 1
                marked_right += label_of_article.get(item.row.id) == row[label]
    n = max(queries, 1)
    return Scores(
        queries,
        precision / n,
        ceiling / n,
        recall / n,
        mrr / n,
        recall_ceiling / n,
        times,
        (marked, marked_right),
    )


def folding(store: Store, rows: list[dict], label: str = "event_id") -> tuple[float, float, float]:
    """Pairwise (precision, recall, F1) of the same_story links against the labels."""
    from itertools import combinations

    labels = {row["id"]: row[label] for row in rows}
    by_guid = {
        guid: article_id
        for article_id, guid in store.db.execute("SELECT id, guid FROM articles")
        if guid in labels
    }
    guid_of = {article_id: guid for guid, article_id in by_guid.items()}
    links: set[frozenset[str]] = set()
    for guid, article_id in by_guid.items():
        article = store.article(article_id)
        assert article is not None
        for item in related_articles(store, article, 10):
            if item.same_story:
                for other in (item.row.id, *item.also_ids):
                    if other in guid_of and guid_of[other] != guid:
                        links.add(frozenset((guid, guid_of[other])))
    members: dict[object, list[str]] = {}
    for guid in by_guid:
        members.setdefault(labels[guid], []).append(guid)
    gold = {frozenset(pair) for group in members.values() for pair in combinations(group, 2)}
    right = len(links & gold)
    precision, recall = right / max(len(links), 1), right / max(len(gold), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def topical_fallback(path: Path, rows: list[dict]) -> tuple[float, float]:
    """precision@5 by category, each event's articles queried against a copy of the store
    without the rest of their event (the common case: no other outlet covered the story),
    and the share of those articles that still mark an entry as the same story (each such
    mark is wrong: the story has no other report there)."""
    import shutil

    from newsreader.store import postings
    from newsreader.store.connection import related_path, search_path

    events: dict[object, list[dict]] = {}
    for row in rows:
        events.setdefault(row["event_id"], []).append(row)
    category = {row["id"]: row["category"] for row in rows}
    total = queries = 0.0
    marked = asked = 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "newsreader.db"
        for members in events.values():
            with Store(path) as store:
                store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                store.db.execute("PRAGMA related.wal_checkpoint(TRUNCATE)")
                store.db.execute("PRAGMA search.wal_checkpoint(TRUNCATE)")
                wanted = {row["id"] for row in members}
                ids = {
                    guid: article_id
                    for article_id, guid in store.db.execute("SELECT id, guid FROM articles")
                    if guid in wanted
                }
                articles = {guid: store.article(i) for guid, i in ids.items()}
            shutil.copyfile(path, copy)
            shutil.copyfile(related_path(path), related_path(copy))
            shutil.copyfile(search_path(path), search_path(copy))
            with Store(copy) as store:
                with store.write():
                    store.db.executemany(
                        "DELETE FROM articles WHERE id = ?", [(i,) for i in ids.values()]
                    )
                postings.sweep_gone(store)
                guid_of = {
                    article_id: guid
                    for article_id, guid in store.db.execute("SELECT id, guid FROM articles")
                }
                for guid, article in articles.items():
                    assert article is not None
                    found = related_articles(store, article, 10)
                    marked += any(item.same_story for item in found)
                    asked += 1
                    same = sum(1 for g in category if category[g] == category[guid]) - len(wanted)
                    if same <= 0:
                        continue
                    flat = [guid_of.get(i) for item in found for i in (item.row.id, *item.also_ids)]
                    total += sum(category.get(g or "") == category[guid] for g in flat[:5]) / 5
                    queries += 1
    return total / max(queries, 1), marked / max(asked, 1)


def build(folder: Path, rows: list[dict], date_field: str = "date_publish") -> Store:
    store = Store(folder / "newsreader.db")
    write_articles(rows, folder / "articles", date_field)
    import_folders(store, folder / "articles")
    return store


def without_duplicates(rows: list[dict]) -> list[dict]:
    """The BBC set holds 98 exact copies under other ids: a free hit each, dropped."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for row in rows:
        key = (row["title"].strip(), row["body"].strip())
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def index_size(store: Store) -> int:
    """Bytes of the related index's tables and their indexes (dbstat of its own file)."""
    try:
        row = store.db.execute(
            "SELECT sum(pgsize) FROM dbstat('related') WHERE name LIKE 'related_%'"
            " OR name LIKE 'sqlite_autoindex_related_%'"
        ).fetchone()
        return int(row[0] or 0)
    except Exception:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default="newscluster-events.jsonl")
    parser.add_argument("--label", default="event_id")
    parser.add_argument("--distractors", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="same-event scores only")
    parser.add_argument("--keep", type=Path, help="keep the store in this folder")
    parser.add_argument(
        "--reuse", type=Path, help="score a store --keep left, without building it again"
    )
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in (LABELED / args.file).open(encoding="utf-8")]
    if args.reuse:
        with Store(args.reuse / "newsreader.db") as store:
            print(f"store: {store.counts()[0]} articles (reused)")
            print(evaluate(store, rows, args.label).line())
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        with Store(work / "newsreader.db") as store:
            if args.distractors:
                seconds = add_distractors(store, args.distractors)
                print(f"stored {args.distractors} distractors in {seconds:.1f} s")
            started = time.perf_counter()
            write_articles(rows, work / "articles")
            import_folders(store, work / "articles")
            print(f"imported {len(rows)} labeled articles in {time.perf_counter() - started:.1f} s")
            total = store.counts()[0]
            size = index_size(store)
            print(
                f"store: {total} articles; related index {size / 1e6:.1f} MB"
                f" = {size / max(total, 1):.0f} bytes per article"
            )
            scores = evaluate(store, rows, args.label)
            print(
                scores.line(), f"(recall@5 / ceiling {scores.recall / scores.recall_ceiling:.3f})"
            )
            if args.file != "newscluster-events.jsonl" or args.quick:
                return 0
            precision, recall, f1 = folding(store, rows)
            print(f"folding (same_story links): precision {precision:.3f} recall {recall:.3f}"
                  f" F1 {f1:.3f}")  # fmt: skip
        if not args.distractors:
            fallback, falsely_marked = topical_fallback(work / "newsreader.db", rows)
            print(
                f"topical fallback p@5 by category: {fallback:.3f};"
                f" {falsely_marked:.3f} of those articles mark an entry as the same story"
            )
            titles = [dict(row, body="", description=None) for row in rows]
            with build(work / "titles", titles) as store:
                print("title-only:", evaluate(store, titles, args.label).line().split("\n")[0])
            bbc = without_duplicates(
                [json.loads(line) for line in (LABELED / "bbc-news-topics.jsonl").open()]
            )
            with build(work / "bbc", bbc, date_field="none") as store:
                print(
                    "topics (BBC, no duplicates):",
                    evaluate(store, bbc, "topic").line().split("\n")[0],
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
