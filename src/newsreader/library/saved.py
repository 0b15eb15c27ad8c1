"""Saved searches: ``[[saved]] name = "…" query = "…"`` in config.toml, shown as views.

A query is the search's words (``"a phrase"``, ``OR``, ``pre*``) and filters among them:
``feed:NAME`` (a feed's URL, id or title; quote a title with spaces: ``feed:"Hacker News"``),
``tag:T``, ``unread:yes`` (or ``no``), ``author:NAME`` (a part of it, any case),
``after:2026-11-01`` and ``before:2026-12-01`` (dates, or a number of days ago: ``after:7``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsreader.models import UsageError, ViewFilter
from newsreader.text.dates import parse_day
from newsreader.text.sanitize import clean_line
from newsreader.text.searchquery import to_fts

_TOKEN = re.compile(r'(\w+):("[^"]*"?|\S*)|("[^"]*"?|\S+)')
FILTERS = ("feed", "tag", "unread", "author", "after", "before")


@dataclass(frozen=True, slots=True)
class SavedSearch:
    name: str
    query: str


@dataclass(frozen=True, slots=True)
class SavedQuery:
    """A saved search's query, read: its filters and its words (as typed)."""

    words: str = ""
    feed: str | None = None
    tag: str | None = None
    unread: bool = False
    author: str | None = None
    after: float | None = None
    before: float | None = None


def _moment(key: str, value: str, now: float) -> float:
    if value.isdigit():  # days ago
        return now - int(value) * 86400
    day = parse_day(value)
    if day is None:
        raise UsageError(f"{key}:{clean_line(value)[:40]}: a date (2026-11-01) or days ago (7)")
    return day


def read_query(query: str, now: float | None = None) -> SavedQuery:
    """The filters and words of ``query``; :class:`UsageError` names a filter it cannot read."""
    now = time.time() if now is None else now
    words: list[str] = []
    found: dict[str, object] = {}
    for key, value, word in _TOKEN.findall(query):
        if not key or key not in FILTERS:
            words.append(word or f"{key}:{value}")
            continue
        value = value.strip('"')
        if not value:
            raise UsageError(f"{key}: needs a value ({key}:…)")
        if key == "unread":
            if value not in ("yes", "no", "true", "false"):
                raise UsageError(f"unread:{clean_line(value)[:20]}: yes or no")
            found["unread"] = value in ("yes", "true")
        elif key in ("after", "before"):
            found[key] = _moment(key, value, now)
        else:
            found[key] = value
    return SavedQuery(words=" ".join(words), **found)  # type: ignore[arg-type]


def view_filter(saved: SavedQuery, find_feed: Callable[[str], int]) -> ViewFilter:
    """The store's filter for a saved query (``find_feed``: a feed's id by URL, id or title)."""
    return ViewFilter(
        feed_id=find_feed(saved.feed) if saved.feed else None,
        tag=saved.tag,
        unread_only=saved.unread,
        match=to_fts(saved.words) if saved.words.strip() else None,
        author=saved.author,
        after=saved.after,
        before=saved.before,
    )


def saved_searches(raw: dict[str, object]) -> tuple[list[SavedSearch], list[str]]:
    """config.toml's ``[[saved]]`` tables; a line in the second list for each one left out."""
    tables = raw.get("saved", [])
    problems: list[str] = []
    if not isinstance(tables, list):
        return [], ["saved: must be an array of tables ([[saved]])"]
    found: list[SavedSearch] = []
    for number, table in enumerate(tables, 1):
        name = table.get("name") if isinstance(table, dict) else None
        query = table.get("query") if isinstance(table, dict) else None
        if not (isinstance(name, str) and name.strip() and isinstance(query, str)):
            problems.append(f'saved[{number}]: needs name = "…" and query = "…"')
            continue
        try:
            read_query(query)
        except UsageError as exc:
            problems.append(f"saved[{number}] {clean_line(name)[:40]}: {exc}")
            continue
        found.append(SavedSearch(clean_line(name).strip(), query))
    return found, problems


def find_saved(raw: dict[str, object], name: str) -> SavedSearch:
    searches, _problems = saved_searches(raw)
    for search in searches:
        if search.name == name:
            return search
    for search in searches:
        if search.name.casefold() == name.casefold():
            return search
    known = ", ".join(s.name for s in searches) or "none in config.toml"
    raise UsageError(f"no saved search {clean_line(name)[:60]!r} (saved: {known})")


def add_saved(config_file: Path, name: str, query: str) -> None:
    """Write ``[[saved]]`` at the end of config.toml; a name already used (any case) or a
    query it cannot read is a :class:`UsageError`."""
    from newsreader.library.config import append_tables, load

    name = clean_line(name).strip()
    if not name:
        raise UsageError("a saved search needs a name")
    read_query(query)  # a query it cannot read is said now, not at every start
    if any(s.name.casefold() == name.casefold() for s in saved_searches(load(config_file).raw)[0]):
        raise UsageError(f"a saved search is already called {name!r}")
    append_tables(config_file, "saved", [{"name": name, "query": query}])
