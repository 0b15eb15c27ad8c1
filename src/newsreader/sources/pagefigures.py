"""A page's figures and captions around the extractor: read from the page's tree before the
extractor prunes it, and put back into the article it returns.

The extractor keeps an image but drops its ``figcaption``, and it keeps the text of caption
markup it does not know (WordPress's ``wp-caption-text``, a site's ``caption-full``) as if it
were a paragraph of the article. Here a caption is a caption again: shown under its image,
kept out of the article's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from newsreader.sources.pageprune import remove_keeping_tail
from newsreader.text.sanitize import join_url

_CAPTION_CLASS = re.compile(r"caption|credit", re.I)
_NOT_A_CAPTION = ("has-", "with-", "no-")  # "has-caption": a container that holds one
MAX_CAPTION = 1000  # characters; a longer "caption" element is a container, not a caption
# what may be a caption, found by libxml2 (a walk of every element in Python costs more)
_CAPTION_XPATH = (
    "//figcaption | //*[contains(@class, 'aption') or contains(@class, 'redit')"
    " or contains(@class, 'CAPTION') or contains(@class, 'CREDIT')]"
)
_MAX_LEFT_OVER = 3  # words of a block besides its captions ("less", "… more", "(more)")
_BLOCKS = ("p", "div", "span", "li", "figcaption", "h2", "h3", "h4", "h5", "h6")


@dataclass(slots=True)
class PageFigures:
    """What the page says of its images, read before extraction."""

    by_image: dict[str, str] = field(default_factory=dict)  # image source -> its figcaption
    captions: set[str] = field(default_factory=set)  # every caption's words, normalised


def words_of(element: Any) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _is_caption(element: Any) -> bool:
    if element.tag == "figcaption":
        return True
    return any(
        _CAPTION_CLASS.search(token) and not token.startswith(_NOT_A_CAPTION)
        for token in element.get("class", "").split()
    )


def read_figures(root: Any, url: str) -> PageFigures:
    """The captions in the page's tree (``root``), and which image each figure's is (by its
    source as written and as resolved against ``url``)."""
    figures = PageFigures()
    for element in root.xpath(_CAPTION_XPATH):
        if not _is_caption(element):
            continue
        words = words_of(element)
        if not words or len(words) > MAX_CAPTION:
            continue
        figures.captions.add(words)
        figure = next((a for a in element.iterancestors("figure")), None)
        if element.tag != "figcaption" or figure is None:
            continue
        for image in figure.iter("img"):
            for attribute in ("src", "data-src"):
                source = image.get(attribute)
                if source:
                    figures.by_image.setdefault(source, words)
                    figures.by_image.setdefault(join_url(url, source), words)
    return figures


def _figure(caption: str, image: Any = None) -> Any:
    from lxml import etree

    figure = etree.Element("figure")
    if image is not None:
        figure.append(image)
    etree.SubElement(figure, "figcaption").text = caption
    return figure


def restore_figures(body: Any, figures: PageFigures) -> None:
    """Make the extracted article's captions captions again (``body``: its HTML tree)."""
    shown: set[str] = set()
    for image in list(body.iter("img")):
        caption = figures.by_image.get(image.get("src", ""))
        parent = image.getparent()
        if caption is None or parent is None or parent.tag == "figure":
            continue
        tail, image.tail = image.tail, None
        figure = _figure(caption)
        parent.replace(image, figure)
        figure.insert(0, image)
        figure.tail = tail
        shown.add(caption)
    if figures.captions:
        _captions_out_of_text(body, figures.captions, shown)


def _captions_in(words: str, captions: list[str]) -> list[str]:
    """The captions a block of the article is made of (``captions``: longest first), or []
    when it is the article's own text."""
    if words in captions:
        return [words]
    if len(words) >= 25:  # a piece of one caption (the extractor split it at a link)
        whole = next((c for c in captions if words in c), None)
        if whole is not None:
            return [whole]
    inside = [c for c in captions if c in words]
    left = words
    for caption in inside:
        left = left.replace(caption, " ")
    return inside if inside and len(left.split()) <= _MAX_LEFT_OVER else []


def _captions_out_of_text(body: Any, captions: set[str], shown: set[str]) -> None:
    longest_first = sorted(captions, key=len, reverse=True)
    for element in list(body.iter(*_BLOCKS)):
        parent = element.getparent()
        if parent is None or (element.tag == "figcaption" and parent.tag == "figure"):
            continue
        words = words_of(element)
        found = _captions_in(words, longest_first) if words else []
        if not found:
            continue
        new = [c for c in found if not any(c in s for s in shown)]
        shown.update(found)
        if not new:  # said already, under its image or a block before
            remove_keeping_tail(element)
            continue
        previous = element.getprevious()
        image = None
        if previous is not None and previous.tag == "img" and not (previous.tail or "").strip():
            image = previous
            parent.remove(image)
        figure = _figure(new[0], image)
        figure.tail = element.tail
        parent.replace(element, figure)
