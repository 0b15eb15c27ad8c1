"""Rules: ``[[rules]]`` in config.toml, applied to each article when it is stored.

    [[rules]]
    action = "block"          # block | keep | mark_read | tag
    title = "\\bAI\\b"          # any of title, author, url, category, text: all must match
    feed = "Hacker News"      # optional: a feed's URL, title or tag (else every feed)
    match = "regex"           # or "words": each word, as a whole word, in any order
    case_sensitive = false
    older_than = 30           # days; newer_than too
    tag = "ai"                # for action = "tag"

A blocked article is not stored (its id is remembered, so it does not come back); when a
feed has ``keep`` rules, only what one of them matches is stored. Patterns run under the
``regex`` module's time limit: a pattern that would backtrack for ever on an article stops,
is reported once, naming the rule, and is left out for the rest of the run. A rule that
cannot be read is one line, and everything else goes on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from newsreader.text.sanitize import clean_line

ACTIONS = ("block", "keep", "mark_read", "tag")
FIELDS = ("title", "author", "url", "category", "text")
MATCH_SECONDS = 0.05  # a pattern's time limit on one field of one article
MAX_FIELD_CHARS = 100_000  # of an article's text a rule looks at


@dataclass(frozen=True, slots=True)
class RuleArticle:
    """What a rule sees of an article (any source: a parsed feed item or a stored row)."""

    title: str
    authors: Sequence[str]
    url: str
    categories: Sequence[str]
    text: str
    published: float | None


@dataclass(frozen=True, slots=True)
class RuleFeed:
    url: str
    title: str
    tags: Sequence[str]


@dataclass(slots=True)
class Rule:
    name: str  # "rules[3]": where it is in config.toml
    action: str
    patterns: dict[str, str]  # field -> pattern as written
    feed: str = ""
    words: bool = False
    case_sensitive: bool = False
    older_than: float | None = None  # days
    newer_than: float | None = None
    tag: str = ""
    # field -> (pattern, a piece of text any match contains: "" when none is known)
    compiled: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)
    # ((field, folded), literal): text the article must hold before any pattern runs
    gates: tuple[tuple[tuple[str, bool], str], ...] = ()
    broken: str = ""  # why it stopped being applied ("" while it is)

    def applies_to(self, feed: RuleFeed) -> bool:
        if not self.feed:
            return True
        return self.feed in (feed.url, feed.title) or self.feed in feed.tags

    def matches(self, article: RuleArticle, now: float, fields: Fields | None = None) -> bool:
        fields = fields or Fields(article)
        if self.older_than is not None or self.newer_than is not None:
            if article.published is None:
                return False
            age = (now - article.published) / 86400
            if self.older_than is not None and age <= self.older_than:
                return False
            if self.newer_than is not None and age >= self.newer_than:
                return False
        if not fields.holds(self.gates):
            return False
        for name, patterns in self.compiled.items():
            values = fields.values(name)
            for pattern, _literal in patterns:
                if not any(pattern.search(v, timeout=MATCH_SECONDS) for v in values):
                    return False
        return True


class Fields:
    """An article's fields as rules read them, each worked out once for all the rules."""

    __slots__ = ("_joined", "_values", "article")

    def __init__(self, article: RuleArticle) -> None:
        self.article = article
        self._values: dict[str, Sequence[str]] = {}
        self._joined: dict[tuple[str, bool], str] = {}

    def values(self, name: str) -> Sequence[str]:
        found = self._values.get(name)
        if found is None:
            found = self._values[name] = _values(self.article, name)
        return found

    def joined(self, name: str, folded: bool) -> str:
        key = (name, folded)
        found = self._joined.get(key)
        if found is None:
            found = "\n".join(self.values(name))
            found = self._joined[key] = found.lower() if folded else found
        return found

    def holds(self, gates: tuple[tuple[tuple[str, bool], str], ...]) -> bool:
        """Whether the article holds every gate's text (string searches in C: most rules
        stop here, before a pattern runs)."""
        joined = self._joined
        for key, literal in gates:
            text = joined.get(key)
            if text is None:
                text = self.joined(*key)
            if literal not in text:
                return False
        return True


_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


def required_text(pattern: str) -> str:
    """A piece of text every match of ``pattern`` contains ("" when that is not plain):
    the literal it starts with, after an anchor. ASCII only, so that lower-casing the
    text cannot make it differ from the pattern's own case folding."""
    if pattern.startswith("(?") or not _top_level_single(pattern):
        return ""
    rest = pattern
    for anchor in ("^", "\\A", "\\b"):
        if rest.startswith(anchor):
            rest = rest[len(anchor) :]
    literal = ""
    for n, char in enumerate(rest):
        if char not in _LITERAL:
            if char in "?*{" and literal:
                literal = literal[:-1]  # that character may be absent
            elif char == "\\" and rest[n + 1 : n + 2] not in ("b", "w", "s", "d", "W", "S", "D"):
                return ""  # an escaped character: left to the pattern
            break
        literal += char
    return literal if len(literal.strip()) >= 2 else ""


def _top_level_single(pattern: str) -> bool:
    """No ``|`` outside a group (one alternative at the top) and no character class at the
    start."""
    depth = 0
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
    return True


def _values(article: RuleArticle, name: str) -> Sequence[str]:
    if name == "title":
        return (article.title,)
    if name == "author":
        return article.authors or ("",)
    if name == "url":
        return (article.url,)
    if name == "category":
        return article.categories or ("",)
    return (article.text[:MAX_FIELD_CHARS],)


class RuleError(Exception):
    """A rule that cannot be read: the message names it."""


def _compile(rule: Rule) -> None:
    flags = regex.V0 | (0 if rule.case_sensitive else regex.IGNORECASE)
    for name, written in rule.patterns.items():
        # words: each one on its own (one pass over the text each; a single pattern of
        # look-aheads would retry them from every position of a text without the first)
        patterns = [rf"\b{regex.escape(w)}\b" for w in written.split()] if rule.words else [written]
        try:
            rule.compiled[name] = [
                (regex.compile(p, flags), _folded(required_text(p), rule.case_sensitive))
                for p in patterns
            ]
        except regex.error as exc:
            problem = f"{rule.name}: {name} = {_shown(written)} is not a pattern ({exc})"
            raise RuleError(problem) from None
    folded = not rule.case_sensitive
    rule.gates = tuple(
        ((name, folded), literal)
        for name, patterns in rule.compiled.items()
        for _pattern, literal in patterns
        if literal
    )


def _folded(literal: str, case_sensitive: bool) -> str:
    return literal if case_sensitive else literal.lower()


def _shown(value: object) -> str:
    return clean_line(repr(value))[:80]


def read_rule(table: object, name: str) -> Rule:
    """One ``[[rules]]`` table as a :class:`Rule`; :class:`RuleError` says what is wrong."""
    if not isinstance(table, Mapping):
        raise RuleError(f"{name}: must be a table")
    action = table.get("action", "block")
    if action not in ACTIONS:
        raise RuleError(f"{name}: action = {_shown(action)}: one of {', '.join(ACTIONS)}")
    patterns = {f: table[f] for f in FIELDS if f in table}
    if not all(isinstance(p, str) and p for p in patterns.values()):
        raise RuleError(f"{name}: {', '.join(FIELDS)} must be non-empty strings")
    ages = {k: table.get(k) for k in ("older_than", "newer_than")}
    for key, value in ages.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise RuleError(f"{name}: {key} = {_shown(value)}: a number of days")
    if not patterns and ages == {"older_than": None, "newer_than": None}:
        raise RuleError(f"{name}: matches nothing: give one of {', '.join(FIELDS)}")
    match = table.get("match", "regex")
    if match not in ("regex", "words"):
        raise RuleError(f"{name}: match = {_shown(match)}: regex or words")
    tag = table.get("tag", "")
    if action == "tag" and not (isinstance(tag, str) and tag.strip()):
        raise RuleError(f'{name}: action = "tag" needs tag = "…"')
    feed = table.get("feed", "")
    if not isinstance(feed, str):
        raise RuleError(f"{name}: feed = {_shown(feed)}: a feed's URL, title or tag")
    rule = Rule(
        name=name,
        action=action,
        patterns=patterns,
        feed=feed,
        words=match == "words",
        case_sensitive=bool(table.get("case_sensitive", False)),
        older_than=ages["older_than"],
        newer_than=ages["newer_than"],
        tag=clean_line(tag).strip() if isinstance(tag, str) else "",
    )
    _compile(rule)
    return rule


@dataclass(frozen=True, slots=True)
class Verdict:
    blocked_by: str = ""  # the rule's name, when the article is not to be stored
    mark_read: bool = False
    tags: tuple[str, ...] = ()


KEPT = Verdict()


@dataclass(slots=True)
class RuleSet:
    """The rules of a config, compiled; what each one decides about an article."""

    rules: list[Rule] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per rule left out

    def __bool__(self) -> bool:
        return bool(self.rules)

    def for_feed(self, feed: RuleFeed) -> list[Rule]:
        return [r for r in self.rules if not r.broken and r.applies_to(feed)]

    def decide(self, article: RuleArticle, rules: list[Rule], now: float | None = None) -> Verdict:
        """What ``rules`` (:meth:`for_feed`'s) make of ``article``."""
        now = time.time() if now is None else now
        fields = Fields(article)
        keeps = [r for r in rules if r.action == "keep"]
        if keeps and not any(self._matches(r, fields, now) for r in keeps):
            return Verdict(blocked_by=keeps[0].name)
        mark_read = False
        tags: list[str] = []
        for rule in rules:
            if rule.action == "keep" or not fields.holds(rule.gates):
                continue
            if not self._matches(rule, fields, now):
                continue
            if rule.action == "block":
                return Verdict(blocked_by=rule.name)
            if rule.action == "mark_read":
                mark_read = True
            elif rule.tag not in tags:
                tags.append(rule.tag)
        return Verdict(mark_read=mark_read, tags=tuple(tags)) if mark_read or tags else KEPT

    def _matches(self, rule: Rule, fields: Fields, now: float) -> bool:
        if rule.broken:
            return False
        try:
            return rule.matches(fields.article, now, fields)
        except TimeoutError:
            rule.broken = (
                f"{rule.name}: a pattern took over {MATCH_SECONDS * 1000:.0f} ms on one article"
                " (it backtracks without end): left out"
            )
            self.problems.append(rule.broken)
            return False


def read_rules(tables: object) -> RuleSet:
    """config.toml's ``rules`` array; each rule that cannot be read is a line in
    ``problems`` and is left out."""
    found = RuleSet()
    if tables is None:
        return found
    if not isinstance(tables, list):
        found.problems.append("rules: must be an array of tables ([[rules]])")
        return found
    for number, table in enumerate(tables, 1):
        try:
            found.rules.append(read_rule(table, f"rules[{number}]"))
        except RuleError as exc:
            found.problems.append(str(exc))
    return found
