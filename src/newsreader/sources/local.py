"""A directory of article files read as a feed: ``.txt``, ``.md``, ``.html`` and ``.json``.

Each file is one article (a ``.json`` file may hold a list). A file that cannot be read or parsed
is a one-line warning naming it; the other files still load. Ids are the file's path inside the
directory (plus the item's id for JSON lists), so re-reading the folder updates in place.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsreader.feeds.jsonfeed import load_json
from newsreader.feeds.normalize import MAX_ITEMS, RawArticle, build_article, distinct_guids
from newsreader.models import (
    Article,
    Caption,
    FeedError,
    ParsedFeed,
    RelatedLink,
    SourceKind,
    SourceRef,
)
from newsreader.sources.safefiles import (
    FileRefused,
    FolderListing,
    inside_folder,
    read_regular_file,
    walk_folder,
)
from newsreader.sources.textarticle import parse_sources, parse_text_article
from newsreader.text.dates import parse_day
from newsreader.text.sanitize import clean_document, clean_line

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 10_000


def _date(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return parse_day(value) if isinstance(value, str) else None


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,;]", value) if v.strip()]


def _text_raw(rel: str, content: str) -> RawArticle:
    parsed = parse_text_article(content)
    meta = parsed.meta
    return RawArticle(
        guid=rel,
        title=parsed.title,
        title_is_html=False,
        url=meta.get("url") or meta.get("link", ""),
        authors=_split_list(meta.get("author") or meta.get("by", "")),
        published=_date(meta.get("date") or meta.get("published")),
        body="\n\n".join(parsed.paragraphs),
        body_is_html=False,
        captions=parsed.captions,
        sources=parsed.sources,
        related_links=parsed.related,
        categories=_split_list(
            meta.get("tags") or meta.get("categories") or meta.get("category", "")
        ),
    )


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _front_matter(content: str) -> tuple[dict[str, str | list[str]], str]:
    match = _FRONT_MATTER.match(content)
    if not match:
        return {}, content
    meta: dict[str, str | list[str]] = {}
    key = ""
    for line in match.group(1).split("\n"):
        if line.lstrip().startswith("- ") and key:
            existing = meta.get(key)
            items = existing if isinstance(existing, list) else []
            items.append(line.lstrip()[2:].strip().strip("\"'"))
            meta[key] = items
        elif ":" in line:
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), value.strip()
            if value.startswith("[") and value.endswith("]"):
                meta[key] = [v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()]
            else:
                meta[key] = value.strip("\"'")
    return meta, content[match.end() :]


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else _split_list(value)


def _markdown_raw(rel: str, content: str) -> RawArticle:
    from markdown_it import MarkdownIt

    meta, text = _front_matter(content)
    title = meta.get("title", "")
    if not title:
        match = re.match(r"\s*#\s+(.+)\n", text)
        if match:
            title, text = match.group(1), text[match.end() :]
    html = MarkdownIt("commonmark", {"html": False}).render(text)
    sources: list[SourceRef] = []
    for value in _as_list(meta.get("source") or meta.get("sources")):
        sources.extend(parse_sources(value))
    date = meta.get("date") or meta.get("published")
    return RawArticle(
        guid=rel,
        title=title if isinstance(title, str) else "",
        title_is_html=False,
        url=str(meta.get("url") or meta.get("link") or ""),
        authors=_as_list(meta.get("author") or meta.get("authors")),
        published=_date(date if isinstance(date, str) else None),
        body=html,
        body_is_html=True,
        sources=sources,
        categories=_as_list(meta.get("tags") or meta.get("categories")),
    )


def _html_raw(rel: str, content: str) -> RawArticle:
    from newsreader.sources.htmlpage import read_page

    page = read_page(content)
    return RawArticle(
        guid=rel,
        title=page.title,
        title_is_html=False,
        url=page.url,
        authors=page.authors,
        published=_date(page.published),
        summary=page.description,
        body=page.body_html,
        body_is_html=True,
        base_url=page.url,
        sources=[SourceRef(SourceKind.PUBLISHER, page.site_name)] if page.site_name else [],
        categories=page.keywords,
    )


def _json_sources(value: Any) -> list[SourceRef]:
    refs: list[SourceRef] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            refs.extend(parse_sources(item))
        elif isinstance(item, dict):
            kind = item.get("kind", "agency")
            try:
                source_kind = SourceKind(kind)
            except ValueError:
                source_kind = SourceKind.AGENCY
            refs.append(
                SourceRef(
                    source_kind,
                    str(item.get("name", "")),
                    str(item.get("url", "")),
                    str(item.get("place", "")),
                )
            )
    return refs


def _json_captions(value: Any) -> list[Caption]:
    out = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            out.append(Caption(text=item))
        elif isinstance(item, dict):
            out.append(
                Caption(
                    text=str(item.get("text", "")),
                    credit=str(item.get("credit", "")),
                    image_url=str(item.get("image_url", "") or item.get("url", "")),
                    alt=str(item.get("alt", "")),
                )
            )
    return out


def _json_related(value: Any) -> list[RelatedLink]:
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and (item.get("title") or item.get("url")):
            out.append(
                RelatedLink(
                    title=str(item.get("title", "")),
                    url=str(item.get("url", "")),
                    label=str(item.get("label", "")),
                    summary=str(item.get("summary", "")),
                    group=str(item.get("group", "") or "Related articles"),
                )
            )
    return out


def json_raw(item: dict[str, Any], guid: str) -> RawArticle:
    """One article object of the documented JSON schema (README, "Local article files")."""
    authors = item.get("author") or item.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    html = item.get("html")
    text = item.get("text") or item.get("body") or ""
    tags = item.get("categories") or item.get("tags") or []
    item_id = item.get("id") or item.get("guid")
    return RawArticle(
        guid=str(item_id)
        if isinstance(item_id, (str, int)) and not isinstance(item_id, bool)
        else guid,
        title=str(item.get("title", "")),
        url=str(item.get("url", "")),
        authors=[str(a) for a in authors if isinstance(a, str)],
        published=_date(item.get("published") or item.get("date")),
        updated=_date(item.get("updated")),
        summary=str(item.get("summary", "") or ""),
        body=str(html) if isinstance(html, str) and html else str(text),
        body_is_html=isinstance(html, str) and bool(html),
        captions=_json_captions(item.get("captions", [])),
        sources=_json_sources(item.get("sources", [])),
        related_links=_json_related(item.get("related", [])),
        categories=[str(t) for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
    )


def _json_raws(path: Path, rel: str, data: bytes) -> Iterator[RawArticle]:
    document = load_json(data, clean_line(path.name))
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield json_raw(item, rel if len(items) == 1 else f"{rel}#{index}")


def read_file(path: Path, rel: str, *, follow_symlinks: bool = True) -> list[RawArticle]:
    """The raw articles in one file. Raises FeedError naming the problem."""
    try:
        data = clean_document(
            read_regular_file(path, MAX_FILE_BYTES, follow_symlinks=follow_symlinks)
        )
    except FileRefused as exc:
        raise FeedError(str(exc)) from None
    except OSError as exc:
        raise FeedError(exc.strerror or str(exc)) from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        return list(_json_raws(path, rel, data))
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data.decode("cp1252", errors="replace")
    if suffix == ".txt":
        return [_text_raw(rel, content)]
    if suffix in (".md", ".markdown"):
        return [_markdown_raw(rel, content)]
    return [_html_raw(rel, content)]


def list_folder(directory: Path) -> FolderListing:
    """The article files of a folder source (see ``safefiles.walk_folder``)."""
    return walk_folder(directory, SUFFIXES, MAX_FILES)


def directory_title(directory: Path) -> str:
    name = clean_line(directory.name.replace("-", " ").replace("_", " ")).title()
    return name or clean_line(str(directory))


def read_directory(directory: Path, title: str = "") -> ParsedFeed:
    if not directory.is_dir():
        raise FeedError(f"{clean_line(str(directory))} is not a directory")
    feed_title = title or directory_title(directory)
    articles: list[Article] = []
    listing = list_folder(directory)
    warnings: list[str] = list(listing.skipped)
    root = os.path.realpath(directory)
    for path, _mtime, _size in listing.files:
        rel = path.relative_to(directory).as_posix()
        try:
            real = inside_folder(path, root)
            if real is None:  # a link changed since the folder was listed
                raise FeedError("a link out of the folder, not followed")
            raws = with_file_urls(read_file(Path(real), rel, follow_symlinks=False), path)
            articles.extend(build_article(raw, feed_title) for raw in raws)
        except FeedError as exc:
            warnings.append(f"{clean_line(rel)}: {exc}")
        except Exception as exc:  # a parser bug on one file never costs the others
            warnings.append(
                f"{clean_line(rel)}: {type(exc).__name__}: {clean_line(str(exc))[:120]}"
            )
        if len(articles) >= MAX_ITEMS * 10:
            warnings.append(f"stopped after {len(articles)} articles")
            break
    return ParsedFeed(title=feed_title, articles=distinct_guids(articles), warnings=tuple(warnings))


def with_file_urls(raws: list[RawArticle], path: Path) -> list[RawArticle]:
    """An article file without a link of its own gets its file's ``file://`` URL: what the
    reader shows as its origin, and what a bookmark keeps (never opened as a web page)."""
    uri = path.absolute().as_uri()
    for index, raw in enumerate(raws):
        if not raw.url:
            raw.url = f"{uri}#{index}" if len(raws) > 1 else uri
    return raws


def read_single_file(path: Path) -> ParsedFeed:
    """An article file given directly as a source."""
    raws = with_file_urls(read_file(path, clean_line(path.name)), path)
    title = directory_title(path.parent)
    return ParsedFeed(title=title, articles=tuple(build_article(r, title) for r in raws))
