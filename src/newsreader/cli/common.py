"""What every command shares: the library on the data directory (the store upgraded first, and
said so), files named on the command line read safely, and output as lines or JSON."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from newsreader.library.paths import Locations

if TYPE_CHECKING:
    from newsreader.library import Library
from newsreader.models import Article, ArticleRow, Feed, UsageError

_T = TypeVar("_T")


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def row_json(row: ArticleRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "title": row.title,
        "feed": row.feed_title,
        "published": iso(row.published),
        "read": row.read,
    }


def feed_json(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.shown_url,
        "title": feed.display_title,
        "tags": list(feed.tags),
        "articles": feed.article_count,
        "unread": feed.unread_count,
        "last_fetched": iso(feed.last_fetched),
        "last_error": feed.last_error,
    }


def article_json(article: Article, feed_title: str) -> dict[str, Any]:
    return {
        "id": article.id,
        "feed": feed_title,
        "feed_id": article.feed_id,
        "guid": article.guid,
        "url": article.url,
        "title": article.title,
        "authors": list(article.authors),
        "published": iso(article.published),
        "updated": iso(article.updated),
        "summary": article.summary,
        "body": article.body,
        "body_format": article.body_format,
        "text": article.text,
        "captions": [asdict(c) for c in article.captions],
        "sources": [asdict(s) for s in article.sources],
        "related": [asdict(r) for r in article.related_links],
        "categories": list(article.categories),
        "enclosures": [
            {"url": e.url, "type": e.type, "length": e.length} for e in article.enclosures
        ],
        "read": article.read,
    }


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def print_rows(rows: Sequence[ArticleRow]) -> None:
    width = shutil.get_terminal_size((100, 24)).columns
    for row in rows:
        marker = " " if row.read else "N"
        date = (
            time.strftime("%Y-%m-%d", time.gmtime(row.published)) if row.published else "----------"
        )
        line = f"{row.id:>7} {marker} {date}  {row.feed_title[:18]:<18}  {row.title}"
        print(line[: max(width, 40)])


def open_library(locations: Locations) -> Library:
    """The library on the data directory, its store upgraded first (and said so)."""
    from newsreader.library import Library

    upgrade_store(locations)
    return Library(locations)


def upgrade_store(locations: Locations) -> None:
    """A store written by an older newsreader is upgraded once, here, before anything else
    opens it, and says so: a large one takes a while, and other
    connections would wait on it without a word."""
    from newsreader.store import SCHEMA_VERSION, Store, schema_version

    version = schema_version(locations.database)
    if not 0 < version < SCHEMA_VERSION:
        return
    print(
        f"newsreader: upgrading the article store {locations.database} to a new format, once"
        " (a large store takes a minute) ...",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    with Store(locations.database):
        pass
    print(f"newsreader: store upgraded in {time.monotonic() - started:.0f} s", file=sys.stderr)


def read_user_file(name: str, limit: int) -> bytes:
    """A file named on the command line: a regular file, at most ``limit`` bytes."""
    from newsreader.sources.safefiles import read_regular_file

    return user_file(name, lambda: read_regular_file(name, limit))


def user_file(name: str, read: Callable[[], _T]) -> _T:
    """``read()`` of a file named on the command line; what stops it is a usage error."""
    from newsreader.sources.safefiles import FileRefused
    from newsreader.text.sanitize import clean_line

    try:
        return read()
    except FileRefused as exc:
        raise UsageError(f"cannot read {clean_line(name)}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {clean_line(name)}: {exc.strerror or exc}") from None


def subscription_list(name: str) -> Any:
    """An OPML or urls file named on the command line (opml.ImportResult)."""
    from newsreader.library.opml import read_subscription_file

    return user_file(name, lambda: read_subscription_file(Path(name)))
