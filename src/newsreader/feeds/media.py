"""Media RSS (media:content, media:thumbnail, media:group with media:description, media:title,
media:credit) read straight from the XML.

feedparser folds ``media:description`` into the entry's summary and keeps only a flat list of
credits, which loses which credit and caption belong to which image. A second, strict XML pass
(ElementTree, C speed) keeps them together. It returns None for a document it cannot read
(malformed XML); the caller then falls back to what feedparser kept.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from newsreader.models import Caption

MEDIA_NAMESPACES = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}")
_ITEM_TAGS = frozenset(
    {
        "item",
        "{http://purl.org/rss/1.0/}item",
        "{http://my.netscape.com/rdf/simple/0.9/}item",
        "{http://www.w3.org/2005/Atom}entry",
        "{http://purl.org/atom/ns#}entry",
    }
)
_MEDIA_PREFIX = re.compile(
    rb"xmlns:([A-Za-z_][\w.-]*)\s*=\s*[\"']http://search\.yahoo\.com/mrss/?[\"']"
)
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")


@dataclass(frozen=True, slots=True)
class MediaImage:
    url: str
    description: str = ""
    title: str = ""
    credit: str = ""

    def caption(self) -> Caption:
        """The image as the article's caption: its description, or its title for a video
        whose description is its whole synopsis."""
        long = self.title and len(self.description) > 300
        text = self.title if long else self.description or self.title
        return Caption(text=text, credit=self.credit, image_url=self.url)


def _media_name(tag: str) -> str | None:
    for ns in MEDIA_NAMESPACES:
        if tag.startswith(ns):
            return tag[len(ns) :]
    return None


def _text(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def _is_image(element: ET.Element, name: str) -> bool:
    if name == "thumbnail":
        return True
    medium = element.get("medium", "")
    mime = element.get("type", "")
    if medium or mime:
        return medium == "image" or mime.startswith("image/")
    url = element.get("url", "").split("?", 1)[0].lower()
    return url.endswith(_IMAGE_SUFFIXES)


def _texts(element: ET.Element) -> dict[str, str]:
    """The description, title and credit that are direct children of ``element``."""
    found: dict[str, str] = {}
    for child in element:
        name = _media_name(child.tag) if isinstance(child.tag, str) else None
        if name in ("description", "title", "credit") and name not in found:
            value = _text(child)
            if value:
                found[name] = value
    return found


def _collect(container: ET.Element, inherited: dict[str, str], out: list[MediaImage]) -> None:
    own = {**inherited, **_texts(container)}
    for child in container:
        name = _media_name(child.tag) if isinstance(child.tag, str) else None
        if name == "group":
            _collect(child, own, out)
        elif name in ("content", "thumbnail"):
            if not child.get("url") or not _is_image(child, name):
                # a video or audio item can still carry a caption on its thumbnail
                _collect(child, own, out)
                continue
            texts = {**own, **_texts(child)}
            out.append(
                MediaImage(
                    url=child.get("url", ""),
                    description=texts.get("description", ""),
                    title=texts.get("title", ""),
                    credit=texts.get("credit", ""),
                )
            )
            _collect(child, texts, out)


def hide_media_descriptions(body: bytes) -> bytes:
    """Rename media:description so that feedparser stops writing it over the item's own
    description (it maps both to ``summary``); this module reads it from the original bytes."""
    match = _MEDIA_PREFIX.search(body[:65536])
    if not match:
        return body
    prefix = match.group(1)
    return body.replace(
        b"<" + prefix + b":description", b"<" + prefix + b":mediadescription"
    ).replace(b"</" + prefix + b":description", b"</" + prefix + b":mediadescription")


def extract_media(body: bytes) -> list[list[MediaImage]] | None:
    """Per item, in document order, the images that Media RSS attaches to it."""
    if b"search.yahoo.com/mrss" not in body[:65536]:
        return []
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None
    items: list[list[MediaImage]] = []
    for element in root.iter():
        if element.tag in _ITEM_TAGS:
            images: list[MediaImage] = []
            _collect(element, {}, images)
            items.append(images)
    return items
