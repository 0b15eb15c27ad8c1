"""Bookmarks as JSON: one entry per bookmark, read back with every field checked (an entry
with bad fields is skipped and counted, never guessed at)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from newsreader.models import Article, Bookmark, Caption, NewsreaderError, SourceKind, SourceRef
from newsreader.text.phrases import size_text
from newsreader.text.sanitize import clean_line, clean_text, clean_url

VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024

MAX_DEPTH = 64


@dataclass
class LoadResult:
    bookmarks: list[Bookmark] = field(default_factory=list)
    skipped: int = 0
    problem: str = ""  # one line, naming the file, when it could not be read
    unreadable_entries: list[Any] = field(default_factory=list)  # written back as they were


class BookmarkFileError(NewsreaderError):
    """The file could not be read or written; ``str()`` is the one line to show."""


def snapshot(
    article: Article, feed_title: str, tags: Sequence[str] = (), note: str = ""
) -> Bookmark:
    """A bookmark outlives the cached article: it keeps what the reading pane needs."""
    return Bookmark(
        url=article.url or article.guid,
        title=article.title,
        feed_title=feed_title,
        author=article.author,
        published=article.published,
        summary=article.summary,
        captions=article.captions,
        sources=tuple(s for s in article.sources if s.kind is not SourceKind.LINK),
        saved_at=time.time(),
        tags=tuple(tags),
        note=note,
    )


def to_json(bookmark: Bookmark) -> dict[str, Any]:
    return {
        "url": bookmark.url,
        "title": bookmark.title,
        "feed_title": bookmark.feed_title,
        "author": bookmark.author,
        "published": bookmark.published,
        "summary": bookmark.summary,
        "captions": [asdict(c) for c in bookmark.captions],
        "sources": [asdict(s) for s in bookmark.sources],
        "saved_at": bookmark.saved_at,
        "tags": list(bookmark.tags),
        "note": bookmark.note,
    }


def _string(entry: dict[str, Any], key: str, required: bool = False) -> str:
    value = entry.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(key)
    return value


def _number(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > 1e11:
        raise ValueError(key)
    return float(value)


def from_json(entry: Any) -> Bookmark:
    """One entry; ValueError when a field is missing or of the wrong type."""
    if not isinstance(entry, dict):
        raise ValueError("entry")
    captions = []
    for c in entry.get("captions", []) or []:
        if not isinstance(c, dict):
            raise ValueError("captions")
        captions.append(
            Caption(
                clean_line(_string(c, "text")), clean_line(_string(c, "credit")),
                clean_url(_string(c, "image_url")), clean_line(_string(c, "alt")),
            )
        )  # fmt: skip
    sources = []
    for s in entry.get("sources", []) or []:
        if not isinstance(s, dict):
            raise ValueError("sources")
        sources.append(
            SourceRef(
                SourceKind(_string(s, "kind") or "agency"), clean_line(_string(s, "name")),
                clean_url(_string(s, "url")), clean_line(_string(s, "place")),
            )
        )  # fmt: skip
    tags = entry.get("tags", []) or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("tags")
    url = clean_url(_string(entry, "url", required=True))
    return Bookmark(
        url=url,
        title=clean_line(_string(entry, "title")) or url,
        feed_title=clean_line(_string(entry, "feed_title")),
        author=clean_line(_string(entry, "author")),
        published=_number(entry, "published"),
        summary=clean_text(_string(entry, "summary")),
        captions=tuple(captions),
        sources=tuple(sources),
        saved_at=_number(entry, "saved_at") or 0.0,
        tags=tuple(clean_line(t) for t in tags if clean_line(t)),
        note=clean_text(_string(entry, "note")),
    )


def dumps(bookmarks: Sequence[Bookmark], unreadable: Sequence[Any] = ()) -> str:
    entries = [to_json(b) for b in bookmarks] + list(unreadable)
    document = {"version": VERSION, "bookmarks": entries}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse(data: bytes, name: str) -> LoadResult:
    """Raises BookmarkFileError (naming the file) for a file that cannot be read at all."""
    from newsreader.feeds.jsonfeed import check_depth
    from newsreader.models import FeedError

    if len(data) > MAX_FILE_BYTES:
        raise BookmarkFileError(f"{name}: file too large (> {size_text(MAX_FILE_BYTES)})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BookmarkFileError(f"{name} is not UTF-8 (byte {exc.start})") from None
    try:
        check_depth(data, MAX_DEPTH)
        document = json.loads(text)
    except FeedError as exc:
        raise BookmarkFileError(f"{name}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise BookmarkFileError(f"{name} is not valid JSON ({clean_line(str(exc))[:80]})") from None
    if isinstance(document, list):  # a bare list of entries is accepted too
        document = {"version": VERSION, "bookmarks": document}
    if not isinstance(document, dict) or not isinstance(document.get("bookmarks"), list):
        raise BookmarkFileError(f'{name} has no "bookmarks" list')
    result = LoadResult()
    seen: set[str] = set()
    for entry in document["bookmarks"]:
        try:
            bookmark = from_json(entry)
        except (ValueError, TypeError, KeyError):
            result.skipped += 1
            result.unreadable_entries.append(entry)
            continue
        if bookmark.url not in seen:
            seen.add(bookmark.url)
            result.bookmarks.append(bookmark)
    return result
