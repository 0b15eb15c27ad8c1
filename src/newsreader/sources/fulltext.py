"""The article in a web page: what the reading pane shows when a feed carries a summary only.

A page is untrusted bytes: decoded here (UTF-8 when it is valid UTF-8, else the charset it
declares, else Windows-1252), the article extracted by trafilatura (imported when first used:
it and its dependencies cost a tenth of a second), and its HTML passed on to ``htmldoc``'s
block model like a feed's body, so captions, numbered links, headings, lists, quotes and tables
are shown the same way and everything is sanitised at the same gate.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from newsreader.models import Caption, NoArticleText
from newsreader.text.dates import parse_date
from newsreader.text.htmldoc import parse_html
from newsreader.text.sanitize import clean_document, clean_line, clean_text, join_url

MIN_WORDS = 60  # fewer than this is a stub (a paywall, a consent page, a teaser), not an article
MAX_LINKED = 0.5  # an "article" whose words are mostly links' is an index page
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """The article found in a page: its HTML body (to show), its text (to index)."""

    url: str
    title: str
    author: str
    published: float | None
    html: str
    text: str
    captions: tuple[Caption, ...]
    links: tuple[tuple[str, str], ...]
    ms: float  # time the extraction took

    @property
    def words(self) -> int:
        return len(self.text.split())


def decode_page(body: bytes, content_type: str = "") -> str:
    """The page as text: valid UTF-8 is UTF-8 (whatever a header claims, it is almost never
    wrong); else the charset of the HTTP header or of the page's own meta tag; else
    Windows-1252, which decodes any byte."""
    body = clean_document(body)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _HEADER_CHARSET.search(content_type) or _META_CHARSET.search(body[:4096])
    if declared is not None:
        name = declared.group(1)
        charset = name if isinstance(name, str) else name.decode("ascii", "replace")
        try:
            return body.decode(charset, "replace")
        except LookupError:
            pass
    return body.decode("cp1252", "replace")


# Chinese, Japanese and Korean write no spaces between words: a character is about half a word
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _size(text: str) -> int:
    """How long a text is, in words (CJK characters counted two to a word)."""
    return len(text.split()) + len(_CJK.findall(text)) // 2


_META = re.compile(
    r"""<meta\s[^>]*?(?:name|property|itemprop)\s*=\s*["']([\w:.-]+)["'][^>]*?"""
    r"""content\s*=\s*["']([^"']*)["']""",
    re.I,
)
_META_REVERSED = re.compile(
    r"""<meta\s[^>]*?content\s*=\s*["']([^"']*)["'][^>]*?"""
    r"""(?:name|property|itemprop)\s*=\s*["']([\w:.-]+)["']""",
    re.I,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_TITLE_NAMES = ("og:title", "twitter:title", "headline")
_AUTHOR_NAMES = ("author", "article:author", "byl", "parsely-author", "dc.creator")
_DATE_NAMES = ("article:published_time", "datepublished", "date", "dc.date", "pubdate")


def _page_metadata(page: str) -> tuple[str, str, float | None]:
    """(title, author, published) from the page's head: its meta tags, else its <title>."""
    from html import unescape

    head = page[: page.find("</head")] if "</head" in page else page[:100_000]
    meta: dict[str, str] = {}
    for name, content in _META.findall(head):
        meta.setdefault(name.lower(), content)
    for content, name in _META_REVERSED.findall(head):
        meta.setdefault(name.lower(), content)
    title = next((meta[n] for n in _TITLE_NAMES if meta.get(n)), "")
    if not title and (found := _TITLE.search(head)):
        title = found.group(1)
    author = next((meta[n] for n in _AUTHOR_NAMES if meta.get(n)), "")
    if author.startswith(("http://", "https://")):  # a profile page's address, not a name
        author = ""
    date = next((meta[n] for n in _DATE_NAMES if meta.get(n)), "")
    return (
        clean_line(unescape(title)),
        clean_line(unescape(author)),
        parse_date(date) if date else None,
    )


_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _mostly_links(text: str, words: int, links: tuple[tuple[str, str], ...], page: str) -> bool:
    """An index page, not an article: most of the words are links' (kept as links, or as
    lines the extractor unlinked: the page's anchors, line for line; ``text``: the
    extractor's, with its line breaks)."""
    if sum(len(anchor.split()) for _url, anchor in links) > MAX_LINKED * words:
        return True
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines or words / len(lines) >= 8:  # paragraphs, not a list of headlines
        return False
    anchors = {" ".join(_TAG.sub(" ", a).split()) for a in _ANCHOR.findall(page)}
    linked = sum(len(line.split()) for line in lines if " ".join(line.split()) in anchors)
    return linked > MAX_LINKED * words


def _figure_captions(page: str, url: str) -> dict[str, tuple[str, str]]:
    """The page's figures: image source (as written, and resolved against ``url``) ->
    (caption, alt), for the images that have a caption."""
    if "<figcaption" not in page and "<FIGCAPTION" not in page:
        return {}
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(page)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return {}
    found: dict[str, tuple[str, str]] = {}
    for figure in root.iter("figure"):
        caption = figure.find(".//figcaption")
        if caption is None:
            continue
        words = " ".join(caption.text_content().split())
        for image in figure.iter("img"):
            for attribute in ("src", "data-src"):
                source = image.get(attribute)
                if source and words:
                    found.setdefault(source, (words, image.get("alt", "")))
                    found.setdefault(join_url(url, source), (words, image.get("alt", "")))
    return found


def _restore_figures(body: Any, page: str, url: str) -> None:
    """Put back the captions of the article's images: the extractor keeps an image but drops
    its ``figcaption``, where the page says what it shows and whose photograph it is."""
    captions = _figure_captions(page, url)
    if not captions:
        return
    from lxml import etree

    for image in list(body.iter("img")):
        known = captions.get(image.get("src", ""))
        parent = image.getparent()
        if known is None or parent is None:
            continue
        figure = etree.Element("figure")
        parent.replace(image, figure)
        figure.append(image)
        figure.tail, image.tail = image.tail, None
        etree.SubElement(figure, "figcaption").text = known[0]


def extract_article(page: str, url: str = "") -> ExtractedArticle:
    """The article in ``page`` (HTML as text); :class:`NoArticleText` when there is none."""
    import trafilatura
    from lxml import etree
    from trafilatura.htmlprocessing import convert_to_html
    from trafilatura.settings import Document

    started = time.perf_counter()
    found = None
    # the extractor's balanced choice first; when it finds no article, its recall-first one
    # (a page laid out unlike most: it then keeps more around the text)
    for recall in (False, True):
        try:
            found = trafilatura.bare_extraction(
                page, url=url or None, include_comments=False, include_tables=True,
                include_links=True, include_images=True, favor_recall=recall,
            )  # fmt: skip
        except Exception as exc:  # a parser's failure on a hostile page is "no article"
            raise NoArticleText(f"no article text found ({type(exc).__name__})") from None
        if (
            isinstance(found, Document)
            and found.body is not None
            and _size(found.text or "") >= MIN_WORDS
        ):
            break
    if not isinstance(found, Document) or found.body is None:
        raise NoArticleText("no article text found")
    body = convert_to_html(found.body)
    _restore_figures(body, page, url)
    html = etree.tostring(body, encoding="unicode")
    document = parse_html(html, url)
    text = clean_text(document.text)
    words = _size(text)
    if words < MIN_WORDS:
        raise NoArticleText("no article text found (the page has too few words of its own)")
    if _mostly_links(found.text or text, words, document.links, page):
        raise NoArticleText("no article text found (the page is a list of links)")
    title, author, published = _page_metadata(page)
    return ExtractedArticle(
        url=url,
        title=title,
        author=author,
        published=published,
        html=clean_text(html),
        text=text,
        captions=document.captions,
        links=document.links,
        ms=(time.perf_counter() - started) * 1000,
    )
