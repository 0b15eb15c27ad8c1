"""The page's tree made ready for the extractor: what a browser does not show (``display:
none``: schema.org copies of the headline, templates, closed menus) and the thumbnails of
teaser cards (an image inside a link to another page) removed — the extractor keeps hidden
text as if it were shown, and a block of "more stories" when it holds images — and the text
after an image kept where the extractor would drop it."""

from __future__ import annotations

import re
from typing import Any

_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:[?#]|$)", re.I)


def remove_keeping_tail(element: Any) -> None:
    """Take ``element`` out of its tree, keeping the text that follows it."""
    parent = element.getparent()
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def drop_hidden(root: Any) -> None:
    """Remove the elements an inline style hides (not the ``hidden`` attribute: pages mark
    their article's collapsed parts with it, and a reader shows them)."""
    for element in root.xpath("//*[@style]"):
        if _HIDDEN.search(element.get("style", "")) and element.getparent() is not None:
            remove_keeping_tail(element)


def drop_teaser_images(root: Any) -> None:
    """Remove images that link to another page (not to the image itself) outside a figure."""
    for image in list(root.iter("img")):
        teaser = False
        for ancestor in image.iterancestors():
            if ancestor.tag == "figure":
                teaser = False
                break
            if ancestor.tag == "a" and not _IMAGE_FILE.search(ancestor.get("href", "")):
                teaser = True
        if teaser and image.getparent() is not None:
            remove_keeping_tail(image)


_TEXT_BLOCKS = {"p", "li", "td", "th", "dd", "dt", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
_CONTAINERS = {"div", "section", "article", "main", "body"}
_INLINE = {"a", "b", "strong", "i", "em", "span", "code", "small", "sup", "sub", "mark", "u", "br"}


def images_out_of_text(root: Any) -> None:
    """Keep the text that follows an image: the extractor, when it keeps images, drops it.
    In a paragraph the image moves to just before the paragraph; loose in a container, the
    text after it (and the inline markup that goes on with it) becomes a paragraph."""
    from lxml import etree

    for image in list(root.iter("img")):
        if not (image.tail or "").strip():
            continue
        if any(a.tag == "figure" for a in image.iterancestors()):
            continue
        block = next((a for a in image.iterancestors() if a.tag in _TEXT_BLOCKS), None)
        if block is not None:
            remove_keeping_tail(image)
            image.tail = None
            block.addprevious(image)
            continue
        parent = image.getparent()
        if parent is None or parent.tag not in _CONTAINERS:
            continue
        paragraph = etree.Element("p")
        paragraph.text, image.tail = image.tail, None
        following = image.getnext()
        while following is not None and following.tag in _INLINE:
            after = following.getnext()
            paragraph.append(following)  # moves it, with its tail
            following = after
        image.addnext(paragraph)
