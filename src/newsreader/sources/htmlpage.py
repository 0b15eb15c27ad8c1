"""An article page saved as HTML: its title, authors, date, canonical URL and article body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    title: str = ""
    url: str = ""
    authors: list[str] = field(default_factory=list)
    published: str = ""
    description: str = ""
    site_name: str = ""
    keywords: list[str] = field(default_factory=list)
    body_html: str = ""


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.meta: dict[str, str] = {}
        self.in_title = False
        self.in_h1 = False
        self.doc_title: list[str] = []
        self.h1: list[str] = []
        self.h1_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = (attr.get("property") or attr.get("name") or attr.get("itemprop") or "").lower()
            if key and "content" in attr:
                self.meta.setdefault(key, attr["content"])
        elif tag == "link" and "canonical" in attr.get("rel", "").lower().split():
            self.meta.setdefault("canonical", attr.get("href", ""))
        elif tag == "time" and attr.get("datetime"):
            self.meta.setdefault("time", attr["datetime"])
        elif tag == "title":
            self.in_title = True
        elif tag == "h1" and not self.h1_done:
            self.in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "h1" and self.in_h1:
            self.in_h1, self.h1_done = False, True

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.doc_title.append(data)
        elif self.in_h1:
            self.h1.append(data)


def _region(html: str, tag: str) -> str | None:
    match = re.search(rf"<{tag}\b[^>]*>(.*)</{tag}\s*>", html, re.S | re.I)
    return match.group(1) if match else None


def _described(parser: _Meta) -> Page:
    """The page's metadata from what ``parser`` read: its first <h1> over og:title over
    <title>, canonical URL, authors, publication date, description, site, keywords."""
    meta = parser.meta
    page = parser.page
    h1 = " ".join("".join(parser.h1).split())
    page.title = h1 or meta.get("og:title", "") or " ".join("".join(parser.doc_title).split())
    page.url = meta.get("canonical", "") or meta.get("og:url", "")
    author = meta.get("author", "") or meta.get("article:author", "")
    page.authors = [a.strip() for a in re.split(r",| and ", author) if a.strip()]
    page.published = (
        meta.get("article:published_time", "")
        or meta.get("datepublished", "")
        or meta.get("date", "")
        or meta.get("time", "")
    )
    page.description = meta.get("description", "") or meta.get("og:description", "")
    page.site_name = meta.get("og:site_name", "")
    page.keywords = [k.strip() for k in meta.get("keywords", "").split(",") if k.strip()]
    return page


def read_head(html: str) -> Page:
    """The metadata of a fetched page from its <head> alone (its body is read by the
    extractor): no walk through the whole document."""
    end = html.lower().find("</head")
    parser = _Meta()
    parser.feed(html[:end] if end >= 0 else html[:100_000])
    parser.close()
    return _described(parser)


def read_page(html: str) -> Page:
    parser = _Meta()
    parser.feed(html)
    parser.close()
    page = _described(parser)
    h1 = " ".join("".join(parser.h1).split())
    body = _region(html, "article") or _region(html, "main") or _region(html, "body") or html
    if h1:
        body = re.sub(r"<h1\b[^>]*>.*?</h1\s*>", "", body, count=1, flags=re.S | re.I)
    page.body_html = body
    return page
