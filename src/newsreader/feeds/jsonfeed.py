"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), which released feedparser does not
read. Bounded: the document size and nesting depth are capped before json.loads builds anything,
and an item with bad fields is skipped, not fatal."""

from __future__ import annotations

import json
from typing import Any

from newsreader.feeds.normalize import MAX_ITEMS, RawArticle, build_article, distinct_guids
from newsreader.models import (
    Article,
    Caption,
    Enclosure,
    FeedError,
    ParsedFeed,
    SourceKind,
    SourceRef,
)
from newsreader.text.dates import parse_date
from newsreader.text.sanitize import clean_line, clean_tree, clean_url

MAX_DOCUMENT = 20 * 1024 * 1024
MAX_DEPTH = 64


def check_depth(text: bytes, limit: int = MAX_DEPTH) -> None:
    """Reject deep nesting before the JSON parser recurses into it."""
    depth = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                raise FeedError(f"JSON nested deeper than {limit} levels")
        elif byte in (0x5D, 0x7D):
            depth -= 1


def load_json(body: bytes, what: str = "JSON") -> Any:
    if len(body) > MAX_DOCUMENT:
        raise FeedError(f"{what} too large (> {MAX_DOCUMENT // (1024 * 1024)} MiB)")
    check_depth(body)
    try:
        return clean_tree(json.loads(body.decode("utf-8-sig")))
    except UnicodeDecodeError as exc:
        raise FeedError(f"{what} is not UTF-8 (byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"{what} is not valid: {clean_line(str(exc))[:160]}") from None


def _date(value: Any) -> float | None:
    return parse_date(value) if isinstance(value, str) else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _authors(item: dict[str, Any]) -> list[str]:
    names: list[str] = []
    authors = item.get("authors")
    if isinstance(authors, list):
        names.extend(_str(a.get("name")) for a in authors if isinstance(a, dict))
    author = item.get("author")
    if isinstance(author, dict):
        names.append(_str(author.get("name")))
    return [n for n in names if n]


def _item(item: dict[str, Any], feed_authors: list[str], base_url: str) -> RawArticle:
    html = _str(item.get("content_html"))
    text = _str(item.get("content_text"))
    captions: list[Caption] = []
    image = _str(item.get("image")) or _str(item.get("banner_image"))
    if image:
        captions.append(Caption(text="", image_url=image))
    enclosures: list[Enclosure] = []
    attachments = item.get("attachments")
    if isinstance(attachments, list):
        for att in attachments[:100]:
            if isinstance(att, dict) and _str(att.get("url")):
                size = att.get("size_in_bytes")
                enclosures.append(
                    Enclosure(
                        url=_str(att.get("url")),
                        type=_str(att.get("mime_type")),
                        length=size
                        if isinstance(size, int) and not isinstance(size, bool)
                        else None,
                    )
                )
                if _str(att.get("title")) and _str(att.get("mime_type")).startswith("image/"):
                    captions.append(Caption(text=_str(att["title"]), image_url=_str(att["url"])))
    sources: list[SourceRef] = []
    external = _str(item.get("external_url"))
    if external:
        sources.append(SourceRef(SourceKind.AGENCY, "", external))
    tags = item.get("tags")
    item_id = item.get("id")
    guid = str(item_id) if isinstance(item_id, (str, int)) and not isinstance(item_id, bool) else ""
    return RawArticle(
        guid=guid,
        title=_str(item.get("title")),
        url=_str(item.get("url")) or external,
        authors=_authors(item) or feed_authors,
        published=_date(item.get("date_published")),
        updated=_date(item.get("date_modified")),
        summary=_str(item.get("summary")),
        body=html or text,
        body_is_html=bool(html),
        captions=captions,
        sources=sources,
        categories=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        enclosures=enclosures,
        base_url=base_url,
    )


def parse_json_feed(body: bytes, base_url: str = "") -> ParsedFeed:
    document = load_json(body, "JSON Feed")
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise FeedError("not a JSON Feed (no items list)")
    version = _str(document.get("version"))
    if version and "jsonfeed.org" not in version:
        raise FeedError("not a JSON Feed (unknown version)")
    feed_title = clean_line(_str(document.get("title")))
    site_url = clean_url(_str(document.get("home_page_url")))
    feed_authors = _authors(document)
    articles: list[Article] = []
    warnings: list[str] = []
    items = document["items"]
    for index, item in enumerate(items[:MAX_ITEMS]):
        if not isinstance(item, dict):
            warnings.append(f"item {index + 1} skipped: not an object")
            continue
        try:
            articles.append(
                build_article(_item(item, feed_authors, base_url or site_url), feed_title)
            )
        except Exception as exc:  # one bad item never costs the others
            warnings.append(f"item {index + 1} skipped: {type(exc).__name__}")
    return ParsedFeed(
        title=feed_title,
        site_url=site_url,
        articles=distinct_guids(articles),
        warnings=tuple(warnings),
    )
