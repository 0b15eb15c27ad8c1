"""The fast path for RSS 0.9x/1.0/2.0 and Atom 0.3/1.0: libxml2 (through lxml) and a direct
walk of the elements a reader needs, ~10x faster than feedparser.

It is strict: a document that is not well-formed XML, or not a feed it knows, returns None and
the caller parses it with feedparser, the reference, whose lenient parser recovers what it can
(raw ``&``, undeclared HTML entities, broken encodings). Both paths feed the same
:func:`~newsreader.feeds.normalize.build_article`; ``tests/test_parser_agreement.py`` checks
that they agree on the real-feed corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from newsreader.feeds.media import MEDIA_NAMESPACES, MediaImage, _collect
from newsreader.feeds.normalize import (
    MAX_ITEMS,
    RawArticle,
    build_article,
    distinct_guids,
    title_text,
    ttl_minutes,
)
from newsreader.models import Caption, Enclosure, ParsedFeed, RelatedLink, SourceKind, SourceRef
from newsreader.text.dates import parse_date
from newsreader.text.sanitize import clean_line, clean_url, is_web_url, join_url

ATOM = "{http://www.w3.org/2005/Atom}"
ATOM03 = "{http://purl.org/atom/ns#}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
RSS1 = "{http://purl.org/rss/1.0/}"
RSS09 = "{http://my.netscape.com/rdf/simple/0.9/}"
DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
SY = "{http://purl.org/rss/1.0/modules/syndication/}"
XHTML = "{http://www.w3.org/1999/xhtml}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
MEDIA = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}")
MEDIA_TITLE = tuple(f"{ns}title" for ns in MEDIA)
MEDIA_DESCRIPTION = tuple(f"{ns}description" for ns in MEDIA)
MEDIA_CATEGORY = tuple(f"{ns}category" for ns in MEDIA)

_parser: Any = None
_HAS_MEDIA: ContextVar[bool] = ContextVar("has_media", default=True)


def _xml_parser() -> Any:
    global _parser
    if _parser is None:
        from lxml import etree

        _parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=False,
            remove_pis=True, load_dtd=False,
        )  # fmt: skip
    return _parser


def _text(element: Any) -> str:
    if element is None:
        return ""
    if not len(element):
        return (element.text or "").strip()
    return "".join(element.itertext()).strip()


def _children(element: Any) -> dict[str, list[Any]]:
    """An item's children by tag, read once: cheaper than a find() per field."""
    kids: dict[str, list[Any]] = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            if tag in kids:
                kids[tag].append(child)
            else:
                kids[tag] = [child]
    return kids


def _first(kids: dict[str, list[Any]], *tags: str) -> Any:
    for tag in tags:
        if tag in kids:
            return kids[tag][0]
    return None


def _first_text(kids: dict[str, list[Any]], *tags: str) -> str:
    for tag in tags:
        for element in kids.get(tag, ()):
            value = _text(element)
            if value:
                return value
    return ""


def _child(element: Any, *tags: str) -> Any:
    for tag in tags:
        found = element.find(tag)
        if found is not None:
            return found
    return None


def _child_text(element: Any, *tags: str) -> str:
    for tag in tags:
        found = element.find(tag)
        if found is not None:
            value = _text(found)
            if value:
                return value
    return ""


def _atom_content(element: Any) -> tuple[str, bool]:
    """(value, is_html) of an Atom text construct."""
    if element is None:
        return "", True
    kind = (element.get("type") or "text").lower()
    mode = (element.get("mode") or "").lower()  # Atom 0.3
    if kind in ("xhtml", "application/xhtml+xml") or mode == "xml":
        return _inner_markup(element), True
    if mode == "base64":
        return _base64_text(element.text or ""), "html" in kind
    if kind not in ("text", "html") and not kind.startswith("text/") and "xml" not in kind:
        return _base64_text(element.text or ""), False  # Atom 1.0: other media types are base64
    value = element.text or ""
    if len(element):  # markup written unescaped inside a text construct
        value = _text(element)
    return value.strip(), "html" in kind


def _base64_text(value: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(value).decode("utf-8", "replace").strip()
    except (binascii.Error, ValueError):
        return ""


def _own_text(element: Any) -> str:
    """The text of the element itself, not of elements written inside it (as feedparser
    reads an RSS category)."""
    parts = [element.text or ""] + [child.tail or "" for child in element]
    return " ".join("".join(parts).split())


_NAMESPACE_DECLARATION = re.compile(r"""\sxmlns(?::[\w.-]+)?=(?:"[^"]*"|'[^']*')""")


def _inner_markup(element: Any) -> str:
    """What an element holds, as HTML (XHTML written into a feed)."""
    from lxml import etree

    parts = [element.text or ""]
    parts += [etree.tostring(child, encoding="unicode", with_tail=True) for child in element]
    return _NAMESPACE_DECLARATION.sub("", "".join(parts)).strip()


def _length(element: Any) -> int | None:
    length = (element.get("length") or "").strip()
    return int(length) if length.isascii() and length.isdigit() and len(length) < 16 else None


def _uses_media(root: Any) -> bool:
    """Whether any element is in a Media RSS namespace: many feeds declare it and use none,
    and looking for it once (lxml's own walk) spares every item's search of its children."""
    return any(next(root.iter(f"{ns}*"), None) is not None for ns in MEDIA_NAMESPACES)


def _media(item: Any) -> list[MediaImage]:
    out: list[MediaImage] = []
    _collect(item, {}, out)
    return out


def _captions(images: list[MediaImage]) -> list[Caption]:
    return [image.caption() for image in images]


def _base(element: Any, inherited: str) -> str:
    """The element's base URL (its xml:base, resolved against the document's URL) when it is
    a web one, else the base it inherits."""
    own = element.base if element is not None else None
    return own if own and is_web_url(own) else inherited


def _rss_item(item: Any, ns: str, feed_base: str) -> RawArticle:
    kids = _children(item)
    base = _base(item, feed_base)
    link = _first_text(kids, f"{ns}link")
    guid_el = _first(kids, f"{ns}guid")
    guid = _text(guid_el)
    permalink = guid_el is not None and guid_el.get("isPermaLink", "true").lower() == "true"
    if not link and permalink and guid.startswith(("http://", "https://")):
        link = guid
    if not guid:
        guid = item.get(f"{RDF}about", "")
    images = _media(item) if _HAS_MEDIA.get() else []
    encoded = _first_text(kids, f"{CONTENT}encoded", "fullitem")
    markup = _first(kids, f"{XHTML}body", "body")  # XHTML written into the item
    if not encoded and markup is not None:
        encoded = _inner_markup(markup)
    if not encoded and f"{ATOM}content" in kids:
        encoded = _atom_content(kids[f"{ATOM}content"][0])[0]
    description = _first_text(kids, f"{ns}description", f"{DC}description")
    if not description and not images:  # a video's or a podcast's only text
        description = _first_text(kids, *MEDIA_DESCRIPTION)
    candidates = [c for c in (encoded, description) if c]
    body = max(candidates, key=len) if candidates else ""
    summary = min(candidates, key=len) if len(candidates) > 1 else ""
    authors = [_text(e) for e in kids.get(f"{DC}creator", []) + kids.get(f"{DC}author", [])]
    authors += [
        _child_text(e, f"{ns}name", "name", f"{ATOM}name") or _text(e)
        for e in kids.get(f"{ns}author", []) + kids.get(f"{ATOM}author", [])
    ]
    authors += [_text(e) for e in kids.get(f"{ITUNES}author", ())]
    date = _first_text(
        kids, f"{ns}pubDate", f"{ns}pubdate", f"{DC}date", f"{DCTERMS}issued", f"{DCTERMS}created",
        f"{ATOM}published",
    )  # fmt: skip
    updated = _first_text(kids, f"{DCTERMS}modified", f"{ATOM}updated")
    sources: list[SourceRef] = []
    source = _first(kids, f"{ns}source")
    if source is not None:
        name = title_text(_text(source), None)
        sources.append(SourceRef(SourceKind.AGENCY, name, source.get("url", "")))
    dc_source = _first_text(kids, f"{DC}source")
    if dc_source:
        is_url = dc_source.startswith("http")
        sources.append(
            SourceRef(SourceKind.AGENCY, "" if is_url else dc_source, dc_source if is_url else "")
        )
    publisher = _first_text(kids, f"{DC}publisher")
    if publisher:
        sources.append(SourceRef(SourceKind.PUBLISHER, publisher))
    enclosures = [
        Enclosure(
            url=join_url(base, enc.get("url", "")),
            type=enc.get("type", ""),
            length=_length(enc),
        )
        for enc in kids.get(f"{ns}enclosure", ())
    ]
    related = [
        RelatedLink(
            title=link_el.get("title", "") or link_el.get("href", ""), url=link_el.get("href", "")
        )
        for link_el in kids.get(f"{ATOM}link", ())
        if link_el.get("rel") == "related"
    ]
    categories = [_own_text(c) for c in kids.get(f"{ns}category", ())]
    categories += [_text(c) for c in kids.get(f"{DC}subject", ())]
    categories += [_text(c) for tag in MEDIA_CATEGORY for c in kids.get(tag, ())]
    return RawArticle(
        guid=guid,
        title=_first_text(kids, f"{ns}title", f"{DC}title", *MEDIA_TITLE),
        url=join_url(base, link),
        authors=[a for a in authors if a],
        published=parse_date(date) if date else None,
        updated=parse_date(updated) if updated else None,
        summary=summary,
        body=body,
        body_is_html=True,
        captions=_captions(images),
        sources=sources,
        related_links=related,
        categories=categories,
        enclosures=enclosures,
        base_url=base,
    )


def _atom_entry(entry: Any, ns: str, feed_base: str) -> RawArticle:
    kids = _children(entry)
    base = _base(entry, feed_base)
    link = ""
    enclosures: list[Enclosure] = []
    related: list[RelatedLink] = []
    for link_el in kids.get(f"{ns}link", ()):
        rel = link_el.get("rel", "alternate")
        href = link_el.get("href", "")
        href = join_url(_base(link_el, base), href)
        if rel == "alternate" and not link:
            link = href
        elif rel == "enclosure":
            length = (link_el.get("length") or "").strip()
            enclosures.append(
                Enclosure(
                    href,
                    link_el.get("type", ""),
                    int(length)
                    if length.isascii() and length.isdigit() and len(length) < 16
                    else None,
                )
            )
        elif rel == "related":
            related.append(RelatedLink(title=link_el.get("title", "") or href, url=href))
    content_el = _first(kids, f"{ns}content")
    content, content_html = _atom_content(content_el)
    summary_el = _first(kids, f"{ns}summary", f"{ns}tagline")
    summary, summary_html = _atom_content(summary_el)
    if content and summary:
        body, body_html = (
            (content, content_html) if len(content) >= len(summary) else (summary, summary_html)
        )
        short = summary if body is content else content
    else:
        body, body_html, short = (
            (content, content_html, "") if content else (summary, summary_html, "")
        )
    title, title_html = _atom_content(_first(kids, f"{ns}title"))
    authors = [_child_text(a, f"{ns}name") or _text(a) for a in kids.get(f"{ns}author", ())]
    sources: list[SourceRef] = []
    source = _first(kids, f"{ns}source")
    if source is not None:
        href = ""
        for link_el in source.iterfind(f"{ns}link"):
            if link_el.get("rel", "alternate") == "alternate":
                href = link_el.get("href", "")
                break
        name = title_text(*_atom_content(_child(source, f"{ns}title")))
        sources.append(SourceRef(SourceKind.AGENCY, name, href))
    published = _first_text(kids, f"{ns}published", f"{ns}issued", f"{ns}created", f"{DC}date")
    updated = _first_text(kids, f"{ns}updated", f"{ns}modified")
    categories = [c.get("label", "") or c.get("term", "") for c in kids.get(f"{ns}category", ())]
    return RawArticle(
        guid=_first_text(kids, f"{ns}id"),
        title=title,
        title_is_html=title_html,
        url=link,
        authors=[a for a in authors if a],
        published=parse_date(published) if published else None,
        updated=parse_date(updated) if updated else None,
        summary=short,
        body=body,
        body_is_html=body_html,
        captions=_captions(_media(entry)) if _HAS_MEDIA.get() else [],
        sources=sources,
        related_links=related,
        categories=categories,
        enclosures=enclosures,
        base_url=_base(content_el if body is content else summary_el, base),
    )


def _ttl(channel: Any) -> int | None:
    return ttl_minutes(
        _child_text(channel, "ttl"),
        _child_text(channel, f"{SY}updatePeriod"),
        _child_text(channel, f"{SY}updateFrequency"),
    )


# UTF-8 text encoded to UTF-8 a second time ("ordenÃ³" for "ordenó"): feedparser's encoding
# detection repairs such documents, so they take its path.
_DOUBLE_UTF8 = re.compile(rb"\xc3[\x82\x83]\xc2[\x80-\xbf]")


_KNOWN_NAMESPACES = {
    uri.strip("{}").rstrip("/").lower(): uri.strip("{}")
    for uri in (
        DC,
        DCTERMS,
        CONTENT,
        SY,
        ITUNES,
        ATOM,
        RSS1,
        RDF,
        "{http://search.yahoo.com/mrss/}",
    )
}
_XMLNS = re.compile(rb"xmlns(?::[\w.-]+)?\s*=\s*[\"']([^\"']+)[\"']")


def _has_namespace_variant(head: bytes) -> bool:
    """A known namespace written another way (no trailing slash, other case): feedparser
    folds these together; this path would miss the elements, so it steps aside."""
    for match in _XMLNS.finditer(head):
        uri = match.group(1).decode("utf-8", "replace")
        canonical = _KNOWN_NAMESPACES.get(uri.rstrip("/").lower())
        if canonical is not None and uri != canonical and uri != "http://search.yahoo.com/mrss":
            return True
    return False


def parse_fast(body: bytes, base_url: str = "") -> ParsedFeed | None:
    """A ParsedFeed, or None when the document needs feedparser."""
    from lxml import etree

    if _DOUBLE_UTF8.search(body) or _has_namespace_variant(body[:8192]):
        return None

    document_url = base_url if is_web_url(base_url) else ""
    try:
        root = etree.fromstring(body, _xml_parser(), base_url=document_url or None)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    tag = root.tag
    items: list[Any]
    title_html: bool | None = None  # RSS does not say: guessed
    if tag == "rss":
        channel = root.find("channel")
        if channel is None:
            return None
        ns = ""
        items = channel.findall("item")
        title = _child_text(channel, "title", f"{DC}title")
        site = _child_text(channel, "link")
        publisher = _child_text(channel, f"{DC}publisher")
        ttl = _ttl(channel)
        make: Callable[[Any, str, str], RawArticle] = _rss_item
    elif tag == f"{RDF}RDF":
        ns = RSS1 if root.find(f"{RSS1}channel") is not None else RSS09
        channel = root.find(f"{ns}channel")
        if channel is None:
            return None
        # items belong beside the channel; some feeds write them inside it
        items = channel.findall(f"{ns}item") + root.findall(f"{ns}item")
        title = _child_text(channel, f"{ns}title", f"{DC}title")
        site = _child_text(channel, f"{ns}link")
        publisher = _child_text(channel, f"{DC}publisher")
        ttl = _ttl(channel)
        make = _rss_item
    elif tag in (f"{ATOM}feed", f"{ATOM03}feed"):
        ns = ATOM if tag == f"{ATOM}feed" else ATOM03
        channel = root
        items = [child for child in root if child.tag in (f"{ns}entry", f"{ns}item")]
        title, title_html = _atom_content(_child(root, f"{ns}title"))
        site = ""
        for link_el in root.iterfind(f"{ns}link"):
            if link_el.get("rel", "alternate") == "alternate":
                site = link_el.get("href", "")
                break
        publisher = ""
        ttl = None
        make = _atom_entry
    else:
        return None
    # Links resolve against xml:base, else the document's URL, else (a file, a test) the
    # feed's own link, which is itself resolved first.
    document_base = _base(root, document_url)
    site = join_url(document_base, site)
    base = document_base or (site if is_web_url(site) else "")
    feed_title = title_text(title, title_html)
    clean_publisher = clean_line(publisher)
    _HAS_MEDIA.set(b"search.yahoo.com/mrss" in body[:65536] and _uses_media(root))
    articles = []
    warnings = []
    for index, item in enumerate(items[:MAX_ITEMS]):
        try:
            articles.append(build_article(make(item, ns, base), feed_title, clean_publisher))
        except Exception as exc:  # one bad entry never costs the others
            warnings.append(f"entry {index + 1} skipped: {type(exc).__name__}")
    if len(items) > MAX_ITEMS:
        warnings.append(f"only the first {MAX_ITEMS} of {len(items)} entries were read")
    return ParsedFeed(
        title=feed_title,
        site_url=clean_url(site),
        publisher=clean_publisher,
        articles=distinct_guids(articles),
        warnings=tuple(warnings),
        ttl_minutes=ttl,
    )
