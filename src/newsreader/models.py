"""The data model: frozen dataclasses of plain types, shared by every layer, and the errors the
user sees (each carries one plain line that says what failed and why).

Every string in these objects has passed :mod:`newsreader.text.sanitize` before it was built; the
objects themselves do no checking so that building them stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

MAX_ID = 2**63 - 1  # SQLite's largest integer


def is_id(text: str) -> bool:
    """Whether ``text`` is a stored row's id as typed: ASCII digits, in SQLite's range."""
    return text.isascii() and text.isdigit() and len(text) < 20 and int(text) <= MAX_ID


class SourceKind(StrEnum):
    ORIGIN = "origin"  # the article's own link
    PUBLISHER = "publisher"  # feed or site title, dc:publisher
    AUTHOR = "author"
    AGENCY = "agency"  # a credited source: "with DW (Cologne)", RSS <source>, dc:source
    VIA = "via"  # the feed it came through, when that differs from the publisher
    LINK = "link"  # a numbered link in the body


@dataclass(frozen=True, slots=True)
class Caption:
    text: str
    credit: str = ""
    image_url: str = ""
    alt: str = ""


@dataclass(frozen=True, slots=True)
class SourceRef:
    kind: SourceKind
    name: str = ""
    url: str = ""
    place: str = ""


@dataclass(frozen=True, slots=True)
class RelatedLink:
    title: str
    url: str = ""
    label: str = ""  # the publisher's tags for the item, e.g. "Editor's choice · News"
    summary: str = ""
    group: str = "Related"  # the block it came from: "Related articles", "Popular", …


@dataclass(frozen=True, slots=True)
class Enclosure:
    url: str
    type: str = ""
    length: int | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One article as parsed. ``id`` is 0 until the store assigns one."""

    guid: str  # stable per feed: guid, else link, else a content hash
    title: str
    url: str = ""
    authors: tuple[str, ...] = ()
    published: float | None = None  # epoch seconds, None when unknown or implausible
    updated: float | None = None
    summary: str = ""
    body: str = ""
    body_format: str = "html"  # "html" (sanitised by the parser) or "text"
    text: str = ""  # plain text for the index and for related articles
    captions: tuple[Caption, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    related_links: tuple[RelatedLink, ...] = ()
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    id: int = 0
    feed_id: int = 0
    read: bool = False
    fetched_at: float | None = None

    @property
    def author(self) -> str:
        return ", ".join(self.authors)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a parser returns for one source: its metadata, its articles, and what it skipped."""

    title: str = ""
    site_url: str = ""
    publisher: str = ""
    articles: tuple[Article, ...] = ()
    warnings: tuple[str, ...] = ()
    ttl_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    title: str = ""
    site_url: str = ""
    tags: tuple[str, ...] = ()
    etag: str = ""
    last_modified: str = ""
    last_fetched: float | None = None
    last_error: str | None = None
    error_count: int = 0
    next_fetch_after: float | None = None
    article_count: int = 0
    unread_count: int = 0

    @property
    def shown_url(self) -> str:
        """The URL as it may be shown, printed or exported: without its credentials."""
        from newsreader.text.sanitize import clean_line, redact_credentials  # a CLI start skips it

        return redact_credentials(clean_line(self.url))

    @property
    def display_title(self) -> str:
        return self.title or self.shown_url


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One row of the article list: only what a list needs, never the body."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    url: str
    published: float | None
    read: bool
    sort_key: float = 0.0


@dataclass(frozen=True, slots=True)
class ViewFilter:
    """Which stored articles a view lists: one feed's, those of the feeds with one tag, the
    unread ones (None or False: no condition). The store pages, counts and marks by it."""

    feed_id: int | None = None
    tag: str | None = None
    unread_only: bool = False
    match: str | None = None  # an FTS5 query (a saved search's words)
    author: str | None = None  # a part of an author's name, any case
    after: float | None = None  # published (or stored) at or after, epoch seconds
    before: float | None = None


ALL_ARTICLES = ViewFilter()
UNREAD = ViewFilter(unread_only=True)


@dataclass(frozen=True, slots=True)
class Page:
    """A page of rows and the cursor that fetches the next one (None at the end)."""

    rows: tuple[ArticleRow, ...]
    next_cursor: tuple[float, int] | None = None


@dataclass(frozen=True, slots=True)
class Bookmark:
    url: str
    title: str
    feed_title: str = ""
    author: str = ""
    published: float | None = None
    summary: str = ""
    captions: tuple[Caption, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    saved_at: float = 0.0
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


# -- errors the user sees -------------------------------------------------------------------
class NewsreaderError(Exception):
    """Base class: ``str(error)`` is the one line shown to the user."""


class UsageError(NewsreaderError):
    """The user asked for something that cannot be done as asked."""


class FeedError(NewsreaderError):
    """One source could not be read or parsed; other sources are unaffected."""


class StoreError(NewsreaderError):
    """The article store could not be opened, read or written."""


class SearchQueryError(NewsreaderError):
    """A search query the full-text index cannot read."""


class NoArticleText(NewsreaderError):
    """A page that yields no article (a paywall, a consent page, a page of links, not HTML)."""


class RedirectPage(NoArticleText):
    """A page with no article that sends the browser on to ``target`` (an aggregator's hop)."""

    def __init__(self, target: str) -> None:
        super().__init__("no article text found (the page only redirects)")
        self.target = target


class SyncError(NewsreaderError):
    """The sync server refused a request or answered what cannot be read; the store and
    the queue of actions are untouched."""


class ServerUnreachable(SyncError):
    """The sync server did not answer (down, no network): work goes on from the store and
    actions wait in the queue."""


class ImportFileError(NewsreaderError):
    """An OPML or urls file that cannot be read."""
