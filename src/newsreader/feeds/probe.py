"""Checking a URL before subscribing to it: does it answer as a feed, or is it a page that
names its feed (``<link rel="alternate" type="application/rss+xml" href="…">``)?

What ``newsreader add URL`` runs: with the refresh's polite, bounded fetcher, one request (two
when a page names its feed).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from newsreader.feeds.fetch import Fetcher, FetchSettings
from newsreader.models import FeedError
from newsreader.text.sanitize import clean_line, is_web_url

_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
)


@dataclass(frozen=True, slots=True)
class Probe:
    feed_url: str  # the URL to subscribe to: the one given, or the feed its page names
    title: str = ""
    articles: int = 0
    problem: str = ""  # why it is not a feed, or why it could not be checked now
    checked: bool = True  # False: the server could not be reached, nothing is known yet

    @property
    def ok(self) -> bool:
        return not self.problem


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        if "alternate" in rels and values.get("type", "").lower() in _FEED_TYPES:
            href = values.get("href", "").strip()
            if href:
                self.found.append(href)


def feed_links(page: bytes, base_url: str) -> list[str]:
    """The feeds an HTML page names in its head, as absolute http(s) URLs."""
    parser = _FeedLinks()
    parser.feed(page[:262_144].decode("utf-8", "replace"))
    links = (urljoin(base_url, href) for href in parser.found)
    return list(dict.fromkeys(clean_line(u) for u in links if is_web_url(u)))


_UNREACHABLE = ("timed out", "connection refused", "cannot resolve", "network unreachable")


async def probe(url: str, settings: FetchSettings | None = None) -> Probe:
    from newsreader.library.refresh import parse_body

    async with Fetcher(settings or FetchSettings(deadline=15.0)) as fetcher:
        for _hop in range(2):
            result = await fetcher.fetch(url)
            if result.status != "ok":
                reachable = not result.error.startswith(_UNREACHABLE)
                return Probe(url, problem=result.error, checked=reachable)
            try:
                parsed = parse_body(result.body, result.content_type, result.final_url)
            except FeedError as exc:
                named = feed_links(result.body, result.final_url or url) if _hop == 0 else []
                if named:
                    url = named[0]  # the page's own feed: check that one
                    continue
                return Probe(url, problem=str(exc))
            return Probe(url, parsed.title, len(parsed.articles))
    return Probe(url, problem="the page names a feed that is not one")
