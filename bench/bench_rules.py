"""What rules cost when articles are stored: 50 rules (regexes on titles, words in text,
categories, dates, per feed and global) decided on real articles.

    python3 bench/bench_rules.py [--rules 50] [--articles 20000]

The articles are the shared corpus's feeds, parsed (../shared/corpus/real-feeds); the time
is per article, one core.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from newsreader.feeds.parse import parse_feed
from newsreader.library.rules import RuleFeed, read_rules
from newsreader.library.ruling import seen_by_rules

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-feeds"
WORDS = ["ai", "crypto", "election", "football", "sponsored", "podcast", "linux", "apple",
         "war", "climate"]  # fmt: skip


def rule_tables(count: int) -> list[dict[str, object]]:
    tables: list[dict[str, object]] = []
    for n in range(count):
        word = WORDS[n % len(WORDS)]
        kind = n % 5
        if kind == 0:
            tables.append({"action": "block", "title": rf"\b{word}\w*\b"})
        elif kind == 1:
            tables.append({"action": "tag", "tag": word, "match": "words", "text": f"{word} news"})
        elif kind == 2:
            tables.append({"action": "mark_read", "category": f"^{word}$"})
        elif kind == 3:
            tables.append({"action": "tag", "tag": "old", "older_than": 365, "author": word})
        else:
            tables.append({"action": "block", "feed": "news", "text": rf"{word}(?:s|ing)?\s+\d+"})
    return tables


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--articles", type=int, default=20000)
    args = parser.parse_args()
    articles = []
    for path in sorted(CORPUS.glob("*")):
        if path.suffix in (".tsv", ".md"):
            continue
        try:
            articles += parse_feed(path.read_bytes()).articles
        except Exception:  # a malformed feed of the corpus: its articles are not needed
            continue
    seen = [seen_by_rules(a) for a in articles]
    while len(seen) < args.articles:
        seen += seen
    seen = seen[: args.articles]
    ruleset = read_rules(rule_tables(args.rules))
    assert not ruleset.problems, ruleset.problems
    rules = ruleset.for_feed(RuleFeed("https://example.test/feed", "Example", ("news",)))
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        blocked = sum(1 for a in seen if ruleset.decide(a, rules).blocked_by)
        runs.append((time.perf_counter() - started) * 1000 / len(seen))
    each = ", ".join(f"{r:.4f}" for r in runs)
    per = statistics.median(runs)
    print(
        f"{len(rules)} rules over {len(seen)} articles ({len(articles)} distinct):"
        f" {per:.4f} ms per article (runs {each}); {blocked} blocked"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
