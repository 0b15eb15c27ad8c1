"""Parse a feed document (bytes) into a :class:`ParsedFeed`.

RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 go through feedparser, always from ``io.BytesIO`` (given a str
feedparser may open it as a path or fetch it as a URL). The DOCTYPE is removed first: feedparser's
lenient parser expands entities without limit. JSON Feed is parsed by :mod:`.jsonfeed`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from newsreader.feeds.media import MediaImage, extract_media, hide_media_descriptions
from newsreader.feeds.normalize import (
    MAX_ITEMS,
    RawArticle,
    build_article,
    distinct_guids,
    struct_to_epoch,
    title_text,
    ttl_minutes,
)
from newsreader.feeds.sandbox import in_worker_process, run_bounded
from newsreader.models import (
    Article,
    Enclosure,
    FeedError,
    ParsedFeed,
    RelatedLink,
    SourceKind,
    SourceRef,
)
from newsreader.text.dates import parse_date
from newsreader.text.sanitize import clean_document, clean_line, clean_url, join_url

_DOCTYPE_START = re.compile(rb"<!DOCTYPE", re.I)
# A DOCTYPE (with its internal subset) anywhere, but never the text of a CDATA section or a
# comment that merely mentions one; an unterminated section runs to the end of the document.
_DOCTYPE_OUTSIDE_TEXT = re.compile(
    rb"<!\[CDATA\[(?:.*?\]\]>|.*)|<!--(?:.*?-->|.*)|<!DOCTYPE(?:[^\[>]*\[.*?\]\s*>|[^>]*>)",
    re.S | re.I,
)


def _keep_text(match: re.Match[bytes]) -> bytes:
    found = match.group(0)
    return found if found[2:3] in (b"[", b"-") else b""


_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.S | re.I)
_BOM = b"\xef\xbb\xbf"


# A declaration of Latin-1 (or ASCII) for a document with bytes 0x80-0x9F: those are
# Windows-1252's punctuation (’ “ ” – …), as browsers read the label.
_LATIN1_DECLARATION = re.compile(
    rb"""^(<\?xml[^>]*?\bencoding\s*=\s*["'])"""
    rb"""(?:iso[-_]?8859-1|iso_8859-1:1987|latin-?1|l1|cp819|ibm819|us-ascii|ascii)(["'])""",
    re.I,
)
_WINDOWS_1252_BYTES = re.compile(rb"[\x80-\x9f]")


def prepare(body: bytes) -> bytes:
    """Drop escape sequences and control bytes (before any parser can split one), what precedes
    the XML declaration, and every DOCTYPE (with its entity definitions) wherever it is; read a
    Latin-1 declaration as Windows-1252 when the document uses its punctuation."""
    body = clean_document(body)
    if body.startswith(_BOM):
        body = body[3:]
    body = body.lstrip()
    latin1 = _LATIN1_DECLARATION.match(body[:256])
    if latin1 is not None and _WINDOWS_1252_BYTES.search(body):
        body = latin1.group(1) + b"windows-1252" + latin1.group(2) + body[latin1.end() :]
    if _DOCTYPE_START.search(body) is None:
        return body
    return _DOCTYPE_OUTSIDE_TEXT.sub(_keep_text, body)


def parse_feed(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    base_url: str = "",
    *,
    reference: bool = False,
    fallback_timeout: float | None = None,
) -> ParsedFeed:
    """Any error from a parser becomes a :class:`FeedError` for this feed alone. The fast path
    reads well-formed feeds; feedparser (``reference=True`` forces it) reads the rest, given
    ``fallback_timeout`` seconds in a process that can be killed (:mod:`.sandbox`) when it is
    set and this is not already a worker process."""
    body = prepare(body)
    if not body:
        raise FeedError("empty document")
    if body[:1] == b"{" or body[:1] == b"[":
        from newsreader.feeds.jsonfeed import parse_json_feed

        return parse_json_feed(body, base_url)
    if _HTML_START.match(body[:4096]):
        raise FeedError("not a feed (got an HTML page)")
    if not reference and _charsets_agree(body, headers):
        from newsreader.feeds.fastparse import parse_fast

        fast = parse_fast(body, base_url)
        if fast is not None:
            return fast
    if fallback_timeout is not None and not in_worker_process():
        return run_bounded(
            reference_parse, body, dict(headers or {}), base_url, timeout=fallback_timeout
        )
    return reference_parse(body, dict(headers or {}), base_url)


_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)


def _charsets_agree(body: bytes, headers: Mapping[str, str] | None) -> bool:
    """False when the HTTP charset names another encoding than the document's own: the HTTP
    one wins (RFC 7303), which libxml2 cannot be told; feedparser reads such documents."""
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    found = _CHARSET.search(content_type)
    if found is None:
        return True
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body[:4]:
        return False  # UTF-16 or UTF-32: let feedparser weigh the BOM against the header
    declared = _DECLARED_ENCODING.match(body[:256])
    import codecs

    try:
        http = codecs.lookup(found.group(1)).name
        own = codecs.lookup(declared.group(1).decode("ascii") if declared else "utf-8").name
    except LookupError:
        return False
    return http == own


def reference_parse(body: bytes, headers: dict[str, str], base_url: str) -> ParsedFeed:
    """feedparser on a prepared document, its short fields bounded first."""
    try:
        return _parse_xml(bound_short_fields(body), headers, base_url)
    except FeedError:
        raise
    except Exception as exc:  # feedparser and the XML libraries raise many kinds
        raise FeedError(
            f"cannot parse feed: {type(exc).__name__}: {clean_line(str(exc))[:200]}"
        ) from None


# Elements that hold a name, an address, a date or an id: feedparser runs regular expressions
# over them that take quadratic time (its author e-mail pattern over a long <author>).
_SHORT_FIELDS = (
    rb"author|creator|contributor|publisher|managingEditor|webMaster|name|email|uri|owner"
    rb"|pubDate|published|updated|date|modified|issued|created|lastBuildDate|guid|id|category"
)
SHORT_FIELD_BYTES = 4096
_LONG_SHORT_FIELD = re.compile(
    rb"(<(?:[A-Za-z_][\w.-]*:)?(?:" + _SHORT_FIELDS + rb")(?:\s[^<>]*)?>)"
    rb"(?:([^<]{%d})[^<]+|(\s*<!\[CDATA\[)((?:[^\]]|\](?!\]>)){%d})(?:[^\]]|\](?!\]>))+)"
    % (SHORT_FIELD_BYTES, SHORT_FIELD_BYTES)
)


def _cut(match: re.Match[bytes]) -> bytes:
    if match.group(2) is not None:
        return match.group(1) + match.group(2)
    return match.group(1) + match.group(3) + match.group(4)


def bound_short_fields(body: bytes) -> bytes:
    """``body`` with the text of every short field cut to :data:`SHORT_FIELD_BYTES`."""
    return _LONG_SHORT_FIELD.sub(_cut, body)


def _parse_xml(body: bytes, headers: dict[str, str], base_url: str) -> ParsedFeed:
    import feedparser

    headers = {k.lower(): v for k, v in headers.items()}
    if base_url and "content-location" not in headers:
        headers["content-location"] = base_url
    parsed = feedparser.parse(io.BytesIO(hide_media_descriptions(body)), response_headers=headers)  # noqa: TID251
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    if not entries and not feed.get("title") and parsed.get("bozo"):
        reason = parsed.get("bozo_exception")
        raise FeedError(f"not a feed: {clean_line(str(reason))[:200]}" if reason else "not a feed")
    if not parsed.get("version") and not entries and not feed:
        raise FeedError("not a feed")

    feed_title = title_text(feed.get("title", ""), _is_html(feed.get("title_detail")))
    site_url = clean_url(join_url(base_url, feed.get("link", "")))
    publisher = clean_line(feed.get("publisher", "") or feed.get("dc_publisher", ""))
    media = extract_media(body)
    if media is not None and len(media) != len(entries):
        media = None

    articles: list[Article] = []
    warnings: list[str] = []
    for index, entry in enumerate(entries[:MAX_ITEMS]):
        try:
            images = media[index] if media is not None else _feedparser_media(entry)
            raw = _raw_from_entry(entry, images, base_url or site_url)
            articles.append(build_article(raw, feed_title, publisher))
        except Exception as exc:  # one bad entry never costs the others
            warnings.append(f"entry {index + 1} skipped: {type(exc).__name__}")
    if len(entries) > MAX_ITEMS:
        warnings.append(f"only the first {MAX_ITEMS} of {len(entries)} entries were read")
    ttl = _ttl_minutes(feed)
    return ParsedFeed(
        title=feed_title,
        site_url=site_url,
        publisher=publisher,
        articles=distinct_guids(articles),
        warnings=tuple(warnings),
        ttl_minutes=ttl,
    )


def _ttl_minutes(feed: Mapping[str, Any]) -> int | None:
    return ttl_minutes(
        str(feed.get("ttl", "")),
        str(feed.get("sy_updateperiod", "")),
        str(feed.get("sy_updatefrequency", "")),
    )


def _feedparser_media(entry: Mapping[str, Any]) -> list[MediaImage]:
    """What feedparser kept of Media RSS, for documents the strict XML pass could not read."""
    credits = [c.get("content", "") for c in entry.get("media_credit", []) if c.get("content")]
    images = [
        m
        for m in entry.get("media_content", []) + entry.get("media_thumbnail", [])
        if m.get("url")
        and (m.get("medium", "image") == "image" or str(m.get("type", "")).startswith("image/"))
    ]
    out = []
    for i, item in enumerate(images):
        credit = credits[i] if len(credits) == len(images) else (credits[0] if credits else "")
        description = entry.get("media_mediadescription", "") if len(images) == 1 else ""
        out.append(MediaImage(url=item["url"], credit=credit, description=description))
    return out


def _pick_body(entry: Mapping[str, Any]) -> tuple[str, bool, str]:
    """The body is the longest of the entry's contents and its summary (publishers put the
    full text in either); the summary is the shorter text when there are two."""
    candidates: list[tuple[str, bool]] = []
    for content in entry.get("content") or []:
        value = content.get("value", "")
        if value:
            kind = str(content.get("type", "text/html"))
            candidates.append((value, "html" in kind or "xml" in kind))
    summary = entry.get("summary", "") or ""
    if summary:
        kind = str((entry.get("summary_detail") or {}).get("type", "text/html"))
        candidates.append((summary, "html" in kind or "xml" in kind))
    if not candidates:
        return "", True, ""
    body, is_html = max(candidates, key=lambda c: len(c[0]))
    shorter = [c[0] for c in candidates if c[0] != body]
    return body, is_html, min(shorter, key=len) if shorter else ""


def _is_html(detail: Mapping[str, Any] | None) -> bool | None:
    """What feedparser found a text construct to be (it guesses for RSS as we would)."""
    if not detail:
        return None
    kind = str(detail.get("type", ""))
    return "html" in kind or "xml" in kind


def _entry_date(entry: Mapping[str, Any], key: str) -> float | None:
    """The date as written, read by the one date module (as the fast path reads it); what
    feedparser read of it when that finds none. ``dict.get``: FeedParserDict.get maps a
    missing ``published`` to ``updated``, with a warning."""
    written = dict.get(entry, key)  # type: ignore[call-overload]
    found = parse_date(written) if isinstance(written, str) else None
    if found is None:
        found = struct_to_epoch(dict.get(entry, f"{key}_parsed"))  # type: ignore[call-overload]
    return found


def _raw_from_entry(
    entry: Mapping[str, Any], images: list[MediaImage], base_url: str
) -> RawArticle:
    body, body_is_html, summary = _pick_body(entry)
    if not body and not images:  # a video's or a podcast's only text
        body = str(entry.get("media_mediadescription", "") or "")
    authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    if not authors and entry.get("author"):
        authors = [entry["author"]]

    sources: list[SourceRef] = []
    source = entry.get("source") or {}
    if source:
        href = source.get("href", "") or source.get("link", "")
        if not href:
            for link in source.get("links", []) or []:
                if link.get("rel", "alternate") == "alternate":
                    href = link.get("href", "")
                    break
        name = source.get("title", "") or source.get("value", "")
        name = title_text(name, _is_html(source.get("title_detail")))
        sources.append(SourceRef(SourceKind.AGENCY, name, href))
    if entry.get("dc_source"):
        value = str(entry["dc_source"])
        sources.append(
            SourceRef(SourceKind.AGENCY, "" if value.startswith("http") else value, value)
        )
    if entry.get("publisher"):
        sources.append(SourceRef(SourceKind.PUBLISHER, str(entry["publisher"])))

    related = [
        RelatedLink(
            title=link.get("title", "") or link.get("href", ""),
            url=link.get("href", ""),
            label="Related",
        )
        for link in entry.get("links", []) or []
        if link.get("rel") == "related"
    ]
    enclosures = []
    for enc in entry.get("enclosures", []) or []:
        length = str(enc.get("length", "")).strip()
        enclosures.append(
            Enclosure(
                url=enc.get("href", "") or enc.get("url", ""),
                type=str(enc.get("type", "")),
                length=int(length)
                if length.isascii() and length.isdigit() and len(length) < 16
                else None,
            )
        )
    captions = [img.caption() for img in images]
    categories = [t.get("label", "") or t.get("term", "") for t in entry.get("tags", []) or []]
    return RawArticle(
        guid=entry.get("id", "") or "",
        title=entry.get("title", "") or "",
        title_is_html=_is_html(entry.get("title_detail")),
        url=join_url(base_url, entry.get("link", "") or ""),
        authors=authors,
        published=_entry_date(entry, "published"),
        updated=_entry_date(entry, "updated"),
        summary=summary,
        body=body,
        body_is_html=body_is_html,
        captions=captions,
        sources=sources,
        related_links=related,
        categories=categories,
        enclosures=enclosures,
        base_url=base_url,
    )
