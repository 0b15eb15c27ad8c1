"""Rules at work: on a feed's articles as a refresh stores them (in its parse workers), on
what is stored already (``newsreader rules apply``), and as a dry run (``rules test``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from newsreader.library.config import Config
from newsreader.library.rules import RuleArticle, RuleFeed, RuleSet, Verdict, read_rules
from newsreader.models import Article, Feed, ParsedFeed
from newsreader.store import Store, StoreResult
from newsreader.store.codec import content_hash, extra_to_json

_compiled: dict[str, RuleSet] = {}  # a worker compiles each config's rules once


def config_ruleset(config: Config) -> RuleSet:
    """The config's rules, compiled; what cannot be read is in its ``problems``."""
    return read_rules(config.raw.get("rules"))


def rules_of(tables: Sequence[Mapping[str, Any]]) -> RuleSet:
    """The compiled rules of config.toml's ``[[rules]]`` tables, from this process's cache."""
    key = json.dumps(tables, sort_keys=True, default=str)
    found = _compiled.get(key)
    if found is None:
        found = _compiled[key] = read_rules(list(tables))
    return found


def rule_feed(feed: Feed) -> RuleFeed:
    return RuleFeed(url=feed.url, title=feed.display_title, tags=tuple(feed.tags))


def seen_by_rules(article: Article) -> RuleArticle:
    return RuleArticle(
        title=article.title,
        authors=article.authors,
        url=article.url,
        categories=article.categories,
        text=article.text or article.summary or article.body,
        published=article.published,
    )


def store_ruled(
    store: Store,
    feed_id: int,
    parsed: ParsedFeed,
    tables: Sequence[Mapping[str, Any]],
    **meta: Any,
) -> tuple[StoreResult, tuple[str, ...]]:
    """Store a feed's articles as its rules say: blocked ones left out (and remembered),
    the rest stored, then marked read or tagged. The rules' problems met on the way (a
    pattern that ran out of time), one line each."""
    ruleset = rules_of(tables) if tables else RuleSet()
    feed = store.feed_by_id(feed_id)
    rules = ruleset.for_feed(rule_feed(feed)) if ruleset and feed is not None else []
    remembered = store.blocked_guids(feed_id)
    if not rules and not remembered:
        return store.store_feed(feed_id, parsed, **meta), ()
    before = len(ruleset.problems)
    now = time.time()
    kept: list[Article] = []
    blocked: list[tuple[str, str, str]] = []
    verdicts: dict[str, Verdict] = {}
    for article in parsed.articles:
        if article.guid in remembered:
            continue
        verdict = ruleset.decide(seen_by_rules(article), rules, now) if rules else None
        if verdict is not None and verdict.blocked_by:
            blocked.append((article.guid, verdict.blocked_by, article.title))
            continue
        kept.append(article)
        if verdict is not None and (verdict.mark_read or verdict.tags):
            verdicts[article.guid] = verdict
    blocked = _block_updates(store, feed_id, parsed, blocked, kept)
    store.remember_blocked(feed_id, blocked)
    result = store.store_feed(feed_id, replace(parsed, articles=tuple(kept)), **meta)
    changed = [(i, verdicts[g]) for i, g in result.changed if g in verdicts]
    store.set_read([i for i, v in changed if v.mark_read])
    store.add_article_tags((i, tag) for i, v in changed for tag in v.tags)
    return result, tuple(ruleset.problems[before:])


def _block_updates(
    store: Store,
    feed_id: int,
    parsed: ParsedFeed,
    blocked: list[tuple[str, str, str]],
    kept: list[Article],
) -> list[tuple[str, str, str]]:
    """Rules decide when an article is stored, new or changed: a stored article the feed
    changed into one a rule blocks is taken out of the store and both indexes; one stored
    before the rule and unchanged since stays (``rules apply`` reaches those), and goes on
    to the store as unchanged. What is left to remember: the blocks of articles not stored."""
    if not blocked:
        return blocked
    stored = store.stored_versions(feed_id, [guid for guid, _rule, _title in blocked])
    if not stored:
        return blocked
    by_guid = {a.guid: a for a in parsed.articles}
    changed: list[tuple[int, str]] = []
    left: list[tuple[str, str, str]] = []
    for guid, rule, title in blocked:
        if guid not in stored:
            left.append((guid, rule, title))
            continue
        article_id, digest = stored[guid]
        article = by_guid[guid]
        if content_hash(article, extra_to_json(article)) == digest:
            kept.append(article)
        else:
            changed.append((article_id, rule))
    store.block_stored(changed)
    return left


@dataclass(frozen=True, slots=True)
class RulesApplied:
    blocked: int = 0
    marked_read: int = 0
    tagged: int = 0
    forgotten: int = 0  # remembered blocks dropped: the next refresh decides again
    problems: tuple[str, ...] = ()


def _stored(
    store: Store, feed_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, int, RuleArticle]]:
    """(id, feed id, what rules see) of every stored article, in batches by id."""
    last = 0
    where = ""
    if feed_ids is not None:
        where = f" AND feed_id IN ({','.join(str(int(i)) for i in feed_ids) or 'NULL'})"
    while True:
        rows = store.db.execute(
            "SELECT id, feed_id, title, authors, url, json_extract(extra, '$.categories'),"
            f" text, summary, published FROM articles WHERE id > ?{where} ORDER BY id LIMIT 2000",
            (last,),
        ).fetchall()
        if not rows:
            return
        for article_id, feed_id, title, authors, url, categories, text, summary, published in rows:
            yield (
                article_id,
                feed_id,
                RuleArticle(
                    title=title,
                    authors=tuple(a for a in authors.split("\n") if a),
                    url=url,
                    categories=tuple(json.loads(categories)) if categories else (),
                    text=text or summary,
                    published=published,
                ),
            )
        last = rows[-1][0]


def _judged(
    store: Store, ruleset: RuleSet, feed_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, int, RuleArticle, Verdict]]:
    feeds = {f.id: f for f in store.feeds()}
    by_feed = {i: ruleset.for_feed(rule_feed(f)) for i, f in feeds.items()}
    now = time.time()
    for article_id, feed_id, seen in _stored(store, feed_ids):
        rules = by_feed.get(feed_id) or []
        if rules:
            yield article_id, feed_id, seen, ruleset.decide(seen, rules, now)


def apply_rules(store: Store, ruleset: RuleSet) -> RulesApplied:
    """The rules applied to every stored article (after a rule changed)."""
    forgotten = store.forget_blocked()
    blocked: list[tuple[int, str]] = []
    read: list[int] = []
    tags: list[tuple[int, str]] = []
    for article_id, _feed, _seen, verdict in _judged(store, ruleset):
        if verdict.blocked_by:
            blocked.append((article_id, verdict.blocked_by))
            continue
        if verdict.mark_read:
            read.append(article_id)
        tags += [(article_id, t) for t in verdict.tags]
    return RulesApplied(
        blocked=store.block_stored(blocked),
        marked_read=store.set_read(read),
        tagged=store.add_article_tags(tags),
        forgotten=forgotten,
        problems=tuple(ruleset.problems),
    )


def try_rules(
    store: Store, ruleset: RuleSet, feed_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, int, str, Verdict]]:
    """What the rules would do to stored articles: (id, feed id, title, verdict) of each one
    they would block, keep out, mark read or tag; nothing is changed."""
    for article_id, feed_id, seen, verdict in _judged(store, ruleset, feed_ids):
        if verdict.blocked_by or verdict.mark_read or verdict.tags:
            yield article_id, feed_id, seen.title, verdict
