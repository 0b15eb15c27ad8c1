"""Subscription lists: OPML 1.0/2.0 (import and export) and newsboat's ``urls`` file (import).

newsboat's ``query:``, ``exec:`` and ``filter:`` lines are skipped with a warning, never run.
"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from newsreader.feeds.parse import prepare
from newsreader.models import Feed, ImportFileError, UsageError
from newsreader.sources.kind import normalise_source
from newsreader.sources.safefiles import read_regular_file
from newsreader.text.sanitize import clean_line, clean_url, is_web_url, without_credentials

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


def read_subscriptions(data: bytes, base_dir: Path | None = None) -> ImportResult:
    """Either format, told apart by content. A feed given as a path is made absolute (relative
    to ``base_dir``, the list's own folder) and must exist; anything that is neither an
    http(s) URL nor a path makes the whole list an :class:`ImportFileError`, naming it."""
    head = prepare(data)[:512].lower()
    if head.startswith(b"<?xml") or b"<opml" in head:
        result = read_opml(data)
    else:
        result = read_urls_file(data.decode("utf-8", errors="replace"))
    return _resolve_sources(result, base_dir or Path.cwd())


def read_subscription_file(path: Path) -> ImportResult:
    """The subscriptions an OPML or urls file lists (a bounded regular file; its paths read
    from its own folder). Raises :class:`FileRefused` or :class:`OSError` for the file."""
    path = path.expanduser().absolute()
    return read_subscriptions(read_regular_file(path, MAX_IMPORT_BYTES), path.parent)


_PATH_START = ("/", "~", "./", "../", "file://")


def looks_like_source(url: str) -> bool:
    """An http(s) URL, or a path written as one (``/…``, ``~/…``, ``./…``, ``file://…``)."""
    return is_web_url(url) or url.startswith(_PATH_START)


def _resolve_sources(result: ImportResult, base_dir: Path) -> ImportResult:
    kept: list[Subscription] = []
    for sub in result.subscriptions:
        if is_web_url(sub.url):
            kept.append(sub)
            continue
        path = sub.url if sub.url.startswith(("/", "~", "file://")) else str(base_dir / sub.url)
        try:
            kept.append(Subscription(normalise_source(path), sub.title, sub.tags))
        except UsageError as exc:
            result.warnings.append(f"{clean_line(sub.url)[:80]}: skipped, {exc}")
    result.subscriptions = kept
    return result


def read_opml(data: bytes) -> ImportResult:
    try:
        root = ET.fromstring(prepare(data))
    except ET.ParseError as exc:
        raise ImportFileError(f"not valid OPML: {exc}") from None
    except LookupError as exc:  # an encoding Python does not know, declared by the file
        raise ImportFileError(f"not valid OPML: {clean_line(str(exc))[:120]}") from None
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
            if url and not looks_like_source(url):
                result.warnings.append(f"{clean_line(url)[:80]}: skipped, not a feed URL")
            elif url:
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
        if not looks_like_source(url):
            raise ImportFileError(
                f"not an OPML or urls file: line {number} is neither a feed URL nor a path"
                f" ({clean_line(line)[:60]!r}); nothing was imported"
            )
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
