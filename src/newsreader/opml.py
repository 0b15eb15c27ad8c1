"""Subscription lists: OPML 1.0/2.0 (import and export) and newsboat's ``urls`` file (import).

newsboat's ``query:``, ``exec:`` and ``filter:`` lines are skipped with a warning, never run.
"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from newsreader.errors import ImportFileError
from newsreader.feeds.parse import prepare
from newsreader.models import Feed
from newsreader.sanitize import clean_line, clean_url, without_credentials

MAX_IMPORT_BYTES = 10 * 1024 * 1024  # an OPML or urls file


@dataclass(frozen=True, slots=True)
class Subscription:
    url: str
    title: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class ImportResult:
    subscriptions: list[Subscription] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_subscriptions(data: bytes) -> ImportResult:
    """Either format, told apart by content."""
    head = prepare(data)[:512].lower()
    if head.startswith(b"<?xml") or b"<opml" in head:
        return read_opml(data)
    return read_urls_file(data.decode("utf-8", errors="replace"))


def read_opml(data: bytes) -> ImportResult:
    try:
        root = ET.fromstring(prepare(data))
    except ET.ParseError as exc:
        raise ImportFileError(f"not valid OPML: {exc}") from None
    if root.tag.lower() != "opml":
        raise ImportFileError("not an OPML file (no <opml> root)")
    body = root.find("body")
    result = ImportResult()
    if body is None:
        result.warnings.append("OPML file has no <body>")
        return result

    def walk(node: ET.Element, folders: tuple[str, ...]) -> None:
        for outline in node.findall("outline"):
            title = clean_line(outline.get("title") or outline.get("text") or "")
            url = clean_url(outline.get("xmlUrl") or outline.get("xmlurl") or "")
            categories = [
                clean_line(part)
                for value in (outline.get("category") or "").split(",")
                for part in value.split("/")
                if clean_line(part)
            ]
            if url:
                tags = tuple(dict.fromkeys((*folders, *categories)))
                result.subscriptions.append(Subscription(url, title, tags))
            else:
                walk(outline, (*folders, title) if title else folders)

    walk(body, ())
    return result


def read_urls_file(text: str) -> ImportResult:
    result = ImportResult()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            parts = shlex.split(line)
        except ValueError as exc:
            result.warnings.append(f"line {number}: skipped, cannot read it ({exc})")
            continue
        comment = next((i for i, p in enumerate(parts) if p.startswith("#")), len(parts))
        parts = parts[:comment]
        if not parts:
            continue
        url = parts[0]
        if re.match(r"^(query|exec|filter):", url, re.I):
            kind = url.split(":", 1)[0].lower()
            result.warnings.append(f"line {number}: skipped a {kind}: feed (never run)")
            continue
        title = ""
        tags = []
        for part in parts[1:]:
            if part.startswith("~"):
                title = part[1:]
            elif part.startswith("!"):
                continue  # newsboat's "hidden" marker
            else:
                tags.append(clean_line(part))
        result.subscriptions.append(
            Subscription(clean_url(url), clean_line(title), tuple(t for t in tags if t))
        )
    return result


def write_opml(feeds: Sequence[Feed], title: str = "newsreader subscriptions") -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_escape(title)}</title></head>",
        "  <body>",
    ]
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.display_title, "title": feed.display_title}
        attrs["xmlUrl"] = without_credentials(feed.url)  # a file that others may read
        if feed.site_url:
            attrs["htmlUrl"] = feed.site_url
        if feed.tags:
            attrs["category"] = ",".join(feed.tags)
        rendered = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
        lines.append(f"    <outline {rendered}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
