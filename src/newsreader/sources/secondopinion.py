"""A second extractor for the pages the first one reads short.

trafilatura (the first opinion) sometimes keeps one part of an article laid out in several
blocks, or misses an article whose container it does not expect. resiliparse's main-content
text (compiled, on Lexbor: a page costs about what parsing it costs) says how long the page's
main text is; when it is clearly longer than what the first opinion found, readability (Mozilla
Readability's algorithm on lxml) reads the page too, and its article wins when it is clearly
longer. A text both would accept keeps the first opinion's, which is the more precise.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

# "clearly longer": a page's main text this many times the first opinion's asks for a second
SECOND_OPINION = 1.2

_WORD = re.compile(r"\w+")
# Chinese, Japanese and Korean write no spaces between words: a character is about half a word
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_BLOCKS = ("p", "li", "div", "figcaption", "blockquote", "h2", "h3", "h4", "h5", "h6", "td")


def word_count(text: str) -> int:
    """How long a text is in words (CJK characters counted two to a word)."""
    return len(_WORD.findall(text)) + len(_CJK.findall(text)) // 2


def main_text_words(page: str) -> int:
    """The words of the page's main text as resiliparse's extractor sees it (0 when it
    cannot read the page)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    try:
        text = extract_plain_text(HTMLTree.parse(page), main_content=True)
    except Exception:  # a page it cannot read asks for no second opinion
        return 0
    return word_count(text)


@functools.cache
def quiet_extractors() -> None:
    """The extractors log their failures to stderr (readability with a traceback), which is
    the reader's screen or a refresh worker's inherited terminal; a failure here is said once,
    in one line, as :class:`NoArticleText`."""
    for name in ("trafilatura", "readability", "htmldate", "courlan", "justext"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def readability_body(page: str, url: str) -> Any:
    """The article readability finds in ``page``, as an lxml tree (None when it finds none),
    each block said once (it keeps a slideshow's captions once a slide)."""
    from lxml import html as lxml_html
    from readability import Document

    quiet_extractors()
    try:
        summary = Document(page, url=url or None).summary(html_partial=True)
        body = lxml_html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # readability's failure on a hostile page: no second opinion
        return None
    _drop_repeated_blocks(body)
    return body


def _drop_repeated_blocks(body: Any) -> None:
    from newsreader.sources.pageprune import remove_keeping_tail

    seen: set[str] = set()
    for element in list(body.iter(*_BLOCKS)):
        if element.getparent() is None or any(e.tag in _BLOCKS for e in element):
            continue  # a container: its blocks are judged one by one
        words = " ".join(" ".join(element.itertext()).split())
        if not words:
            continue
        if words in seen:
            remove_keeping_tail(element)
        seen.add(words)
