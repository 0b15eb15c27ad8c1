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

from newsreader.models import Caption, NoArticleText
from newsreader.sources.htmlpage import read_head
from newsreader.sources.pagefigures import PageFigures, read_figures, restore_figures
from newsreader.sources.pageprune import drop_hidden, drop_teaser_images, images_out_of_text
from newsreader.text.dates import parse_date
from newsreader.text.htmldoc import parse_html
from newsreader.text.sanitize import (
    clean_document,
    clean_line,
    clean_text,
    clean_url,
    is_web_url,
)

MIN_WORDS = 60  # fewer than this is a stub (a paywall, a consent page, a teaser), not an article
MAX_LINKED = 0.5  # an "article" whose words are mostly links' is an index page
# a link this long is a paragraph linked whole (a shop's affiliate link), not a headline
PROSE_LINK = 30
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


_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _mostly_links(text: str, words: int, links: tuple[tuple[str, str], ...], page: str) -> bool:
    """An index page, not an article: most of the words are links' (kept as links, or as
    lines the extractor unlinked: the page's anchors, line for line; ``text``: the
    extractor's, with its line breaks)."""
    sizes = (len(anchor.split()) for _url, anchor in links)
    if sum(size for size in sizes if size < PROSE_LINK) > MAX_LINKED * words:
        return True
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines or words / len(lines) >= 8:  # paragraphs, not a list of headlines
        return False
    anchors = {" ".join(_TAG.sub(" ", a).split()) for a in _ANCHOR.findall(page)}
    linked = sum(len(line.split()) for line in lines if " ".join(line.split()) in anchors)
    return linked > MAX_LINKED * words


def extract_article(page: str, url: str = "") -> ExtractedArticle:
    """The article in ``page`` (HTML as text); :class:`NoArticleText` when there is none."""
    import trafilatura
    from lxml import etree
    from trafilatura.htmlprocessing import convert_to_html
    from trafilatura.settings import Document
    from trafilatura.utils import load_html

    started = time.perf_counter()
    found = None
    figures = PageFigures()
    # the extractor's balanced choice first; when it finds no article, its recall-first one
    # (a page laid out unlike most: it then keeps more around the text). Each pass prunes
    # the tree it is given: the page is parsed once a pass, and its figures read first.
    for recall in (False, True):
        try:
            tree = load_html(page)
            if tree is None:
                raise NoArticleText("no article text found (not an HTML page)")
            if not recall:
                figures = read_figures(tree, url)
            drop_hidden(tree)
            drop_teaser_images(tree)
            images_out_of_text(tree)
            found = trafilatura.bare_extraction(
                tree, url=url or None, include_comments=False, include_tables=True,
                include_links=True, include_images=True, favor_recall=recall,
            )  # fmt: skip
        except NoArticleText:
            raise
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
    restore_figures(body, figures)
    html = etree.tostring(body, encoding="unicode")
    document = parse_html(html, url)
    text = clean_text(document.text)
    words = _size(text)
    if words < MIN_WORDS:
        raise NoArticleText("no article text found (the page has too few words of its own)")
    if _mostly_links(found.text or text, words, document.links, page):
        raise NoArticleText("no article text found (the page is a list of links)")
    head = read_head(page)
    return ExtractedArticle(
        url=clean_url(url),
        title=clean_line(head.title),
        author=clean_line(", ".join(a for a in head.authors if not is_web_url(a))),
        published=parse_date(head.published) if head.published else None,
        html=clean_text(html),
        text=text,
        captions=document.captions,
        links=document.links,
        ms=(time.perf_counter() - started) * 1000,
    )
