"""newsboat's filter language, translated where it maps: its ``query:`` feeds become saved
searches, its ``ignore-article`` lines block rules. Nothing is ever run; a part that does not
map is a warning naming it.

newsboat writes ``attribute operator value`` conditions joined by ``and``/``or``, with
parentheses; only ``and`` chains translate (a saved search and a rule match all their parts).
A saved search leaves out the parts it cannot say (it then lists more, which the warning
says); a block rule with such a part is not made at all (it would block more than asked).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from newsreader.text.sanitize import clean_line

_CONDITION = re.compile(
    r'\s*(\w+)\s*(=~|!~|!=|!#|=|#|<|>|between)\s*("(?:[^"\\]|\\.)*"|[^\s()]+)\s*', re.I
)
_AND = re.compile(r"\s*and\s+", re.I)


@dataclass(slots=True)
class Translated:
    """What a newsboat line became, and what of it could not be said."""

    saved: list[tuple[str, str]] = field(default_factory=list)  # (name, query)
    rules: list[dict[str, Any]] = field(default_factory=list)  # [[rules]] tables
    warnings: list[str] = field(default_factory=list)


def conditions(expression: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The ``and``-joined conditions of a filter expression, and the parts that are not
    (``or``, parentheses, anything unreadable) as written."""
    found: list[tuple[str, str, str]] = []
    left: list[str] = []
    rest = expression.strip()
    if re.search(r"\bor\b|[()]", rest, re.I):
        return [], [rest]
    while rest:
        match = _CONDITION.match(rest)
        if match is None:
            left.append(rest)
            break
        attribute, operator, value = match.groups()
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        found.append((attribute.lower(), operator.lower(), value))
        rest = rest[match.end() :]
        joined = _AND.match(rest)
        if joined is None and rest:
            left.append(rest)
            break
        rest = rest[joined.end() :] if joined else ""
    return found, left


def _quoted(value: str) -> str:
    return f'"{value}"' if re.search(r"\s", value) else value


def _plain_words(pattern: str) -> bool:
    return bool(re.fullmatch(r"[\w' -]+", pattern))


def query_search(expression: str) -> tuple[str, list[str]]:
    """A newsboat query as a saved search's query, and the parts left out."""
    found, left = conditions(expression)
    parts: list[str] = []
    for attribute, operator, value in found:
        said = f"{attribute} {operator} {value!r}"
        if attribute == "unread" and operator in ("=", "!="):
            yes = (value.lower() in ("yes", "true")) == (operator == "=")
            parts.append(f"unread:{'yes' if yes else 'no'}")
        elif attribute == "tags" and operator == "#":
            parts.append(f"tag:{_quoted(value)}")
        elif attribute == "age" and operator in ("<", ">") and value.isdigit():
            parts.append(f"{'after' if operator == '<' else 'before'}:{value}")
        elif attribute == "author" and operator in ("=", "=~", "#") and _plain_words(value):
            parts.append(f"author:{_quoted(value)}")
        elif attribute in ("feedtitle", "rssurl", "feedurl") and operator == "=":
            parts.append(f"feed:{_quoted(value)}")
        elif (
            attribute in ("title", "content", "description")
            and operator in ("=~", "#", "=")
            and _plain_words(value)
        ):
            parts.append(value if operator != "=" else f'"{value}"')
        else:
            left.append(said)
    return " ".join(parts), left


_RULE_FIELDS = {"title": "title", "author": "author", "link": "url", "content": "text",
                "description": "text"}  # fmt: skip


def ignore_rule(feed: str, expression: str) -> tuple[dict[str, Any] | None, list[str]]:
    """An ``ignore-article`` as a block rule, or None and the parts that do not map."""
    found, left = conditions(expression)
    rule: dict[str, Any] = {"action": "block"}
    if feed != "*":
        rule["feed"] = feed
    for attribute, operator, value in found:
        said = f"{attribute} {operator} {value!r}"
        name = _RULE_FIELDS.get(attribute)
        if name is not None and operator == "=~" and name not in rule:
            rule[name] = value
        elif name is not None and operator == "=" and name not in rule:
            rule[name] = f"^{re.escape(value)}$"
        elif attribute == "age" and operator in ("<", ">") and value.isdigit():
            rule["older_than" if operator == ">" else "newer_than"] = int(value)
        elif attribute == "tags" and operator == "#" and "feed" not in rule:
            rule["feed"] = value
        else:
            left.append(said)
    if left or len(rule) == 1 + ("feed" in rule):
        return None, left
    return rule, []


def read_urls_queries(text: str) -> Translated:
    """The ``query:`` lines of a newsboat ``urls`` file as saved searches."""
    done = Translated()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.lower().startswith(('"query:', "query:")):
            continue
        try:
            first = shlex.split(stripped)[0]
        except (ValueError, IndexError):
            done.warnings.append(f"line {number}: cannot read this query: line")
            continue
        _kind, name, expression = [*first.split(":", 2), "", ""][:3]
        name = clean_line(name).strip()
        if not name or not expression:
            done.warnings.append(f"line {number}: a query: line without a name or a filter")
            continue
        query, left = query_search(expression)
        for part in left:
            done.warnings.append(
                f"line {number}: query {name!r}: left out {clean_line(part)[:80]!r}"
                " (no such filter here: the saved search lists more)"
            )
        if query:
            done.saved.append((name, query))
        else:
            done.warnings.append(f"line {number}: query {name!r}: nothing of it translates")
    return done


def read_config_rules(text: str) -> Translated:
    """The ``ignore-article`` lines of a newsboat ``config`` as block rules."""
    done = Translated()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("ignore-article"):
            continue
        try:
            words = shlex.split(stripped, comments=True)
        except ValueError:
            done.warnings.append(f"line {number}: cannot read this ignore-article line")
            continue
        if len(words) != 3:
            done.warnings.append(f"line {number}: ignore-article needs a feed and a filter")
            continue
        rule, left = ignore_rule(words[1], words[2])
        if rule is None:
            parts = ", ".join(repr(clean_line(p)[:60]) for p in left) or "it matches nothing"
            done.warnings.append(f"line {number}: ignore-article not imported: {parts}")
            continue
        done.rules.append(rule)
    return done
