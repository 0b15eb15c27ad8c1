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
from newsreader.sources.htmlpage import read_head
from newsreader.sources.pagefigures import PageFigures, read_figures, restore_figures
from newsreader.sources.pageprune import drop_hidden, drop_teaser_images, images_out_of_text
from newsreader.sources.secondopinion import (
    SECOND_OPINION,
    main_text_words,
    quiet_extractors,
    readability_body,
    word_count,
)
from newsreader.text.dates import parse_date
from newsreader.text.htmldoc import HtmlDoc, parse_html
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


@dataclass(slots=True)
class _Candidate:
    """One extractor's article: its HTML (figures put back) read into blocks."""

    html: str
    document: HtmlDoc
    text: str  # sanitised, as indexed
    words: int
    lines: str  # the extractor's own text, with its line breaks (to tell a list of links)

    @classmethod
    def of(cls, body: Any, figures: PageFigures, url: str, lines: str | None = None) -> _Candidate:
        from lxml import etree

        restore_figures(body, figures)
        html = etree.tostring(body, encoding="unicode")
        document = parse_html(html, url)
        text = clean_text(document.text)
        return cls(html, document, text, word_count(text), text if lines is None else lines)

    def refusal(self, page: str) -> str:
        """Why this is no article ("" when it is one)."""
        if self.words < MIN_WORDS:
            return "the page has too few words of its own"
        if _mostly_links(self.lines, self.words, self.document.links, page):
            return "the page is a list of links"
        return ""


def _first_opinion(page: str, url: str) -> tuple[_Candidate | None, PageFigures]:
    """trafilatura's article (None when it finds none) and the page's figures."""
    import trafilatura
    from trafilatura.htmlprocessing import convert_to_html
    from trafilatura.settings import Document
    from trafilatura.utils import load_html

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
            and word_count(found.text or "") >= MIN_WORDS
        ):
            break
    if not isinstance(found, Document) or found.body is None:
        return None, figures
    return _Candidate.of(convert_to_html(found.body), figures, url, found.text or None), figures


def extract_article(page: str, url: str = "") -> ExtractedArticle:
    """The article in ``page`` (HTML as text); :class:`NoArticleText` when there is none."""
    started = time.perf_counter()
    quiet_extractors()
    first, figures = _first_opinion(page, url)
    chosen, refusal = first, first.refusal(page) if first else ""
    found = 0 if first is None or refusal else first.words
    if main_text_words(page) > SECOND_OPINION * found:
        body = readability_body(page, url)
        second = _Candidate.of(body, figures, url) if body is not None else None
        if second and second.words > SECOND_OPINION * found and not second.refusal(page):
            chosen, refusal = second, ""
    if chosen is None:
        raise NoArticleText("no article text found")
    if refusal:
        raise NoArticleText(f"no article text found ({refusal})")
    head = read_head(page)
    return ExtractedArticle(
        url=clean_url(url),
        title=clean_line(head.title),
        author=clean_line(", ".join(a for a in head.authors if not is_web_url(a))),
        published=parse_date(head.published) if head.published else None,
        html=clean_text(chosen.html),
        text=chosen.text,
        captions=chosen.document.captions,
        links=chosen.document.links,
        ms=(time.perf_counter() - started) * 1000,
    )
