"""HTML bodies as a list of blocks: paragraphs, headings, list items, quotes, code, captions.

One pass over the HTML (libxml2's HTML parser through lxml: lenient with broken markup and
30 times faster than ``html.parser``, which matters at 10,000 articles a refresh) gives what every
consumer needs: the plain text for the index, the numbered links, the captions where their
images were, and blocks that ``show`` prints and the reading pane turns into Markdown. Every string
that leaves this module has been through the sanitiser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Any

from newsreader.compiled import built_for
from newsreader.models import Caption
from newsreader.text.sanitize import clean_line, clean_text, clean_url, is_web_url, join_url

_SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "svg", "math", "iframe"}
)
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "ul", "ol",
        "dl", "dt", "dd", "table", "thead", "tbody", "tr", "body", "html", "center", "details",
        "summary", "address", "form", "fieldset", "picture",
    }
)  # fmt: skip
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "source", "wbr", "col", "area"})
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CREDIT_CLASS = re.compile(r"credit|copyright|byline|attribution|source", re.I)
# "…, Photograph: AP", "(Photo by Jane Doe)", "Credit: Reuters", "(picture courtesy of X)"
_CREDIT_TEXT = re.compile(
    r"\s*[(\[]?\s*((?:photo(?:graph)?s?|pictures?|image|illustration|credit|foto|bild)"
    r"(?:\s+(?:by|courtesy(?:\s+of)?|credit))?\s*[:\-–]?\s+[^()\[\]]{2,200}?|"
    r"(?:picture|photo|image)s?\s+courtesy\s+of\s+[^()\[\]]{2,200}?)\s*[)\]]?\s*\.?\s*$",
    re.I,
)
_SPACE_RUN = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "p", "heading", "li", "quote", "pre", "caption", "hr"
    text: str = ""  # with link markers such as "[1]"
    plain: str = ""  # without markers: what the index reads
    level: int = 0  # heading level, list depth
    caption: Caption | None = None


@dataclass(frozen=True, slots=True)
class HtmlDoc:
    blocks: tuple[Block, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (url, anchor text), numbered from 1
    captions: tuple[Caption, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(b.plain for b in self.blocks if b.plain and b.kind != "caption")


def split_credit(text: str) -> tuple[str, str]:
    """Split "A man walks. Photograph: AP" into ("A man walks.", "Photograph: AP")."""
    match = _CREDIT_TEXT.search(text)
    if not match:
        return text, ""
    if match.start() == 0:
        return "", match.group(1).strip()
    return text[: match.start()].rstrip(" ,;–-"), match.group(1).strip()


@dataclass
class _Figure:
    image_url: str = ""
    alt: str = ""
    caption: list[str] = field(default_factory=list)
    credit: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[Block] = []
        self.links: list[tuple[str, str]] = []
        self.link_numbers: dict[str, int] = {}
        self.captions: list[Caption] = []
        self.parts: list[str] = []  # current block with markers
        self.plain_parts: list[str] = []
        self.kind = "p"
        self.level = 0
        self.skip_depth = 0
        self.pre_depth = 0
        self.list_depth = 0
        self.quote_depth = 0
        self.anchor: tuple[str, list[str]] | None = None
        self.figure: _Figure | None = None
        self.in_figcaption = 0
        self.credit_depth = 0
        self.credit_tag = ""
        self.cell_count = 0

    # -- text ---------------------------------------------------------------------------
    def _emit(self, text: str, plain: str | None = None) -> None:
        if self.figure is not None and self.in_figcaption:
            (self.figure.credit if self.credit_depth else self.figure.caption).append(text)
            return
        self.parts.append(text)
        self.plain_parts.append(text if plain is None else plain)
        if self.anchor is not None:
            self.anchor[1].append(text)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.pre_depth:
            data = _SPACE_RUN.sub(" ", data.replace("\n", " ").replace("\r", " "))
        self._emit(data)

    def flush(self, next_kind: str = "p", level: int = 0) -> None:
        if not self.parts:
            self.kind, self.level = next_kind, level
            return
        raw = "".join(self.parts)
        plain = "".join(self.plain_parts)
        if self.kind != "pre":
            raw = "\n".join(line.strip() for line in raw.split("\n")).strip()
            plain = "\n".join(line.strip() for line in plain.split("\n")).strip()
        raw, plain = clean_text(raw), clean_text(plain)
        if raw.strip():
            kind = self.kind
            if kind == "p" and self.quote_depth:
                kind = "quote"
            self.blocks.append(Block(kind, raw, plain, self.level))
        self.parts, self.plain_parts = [], []
        self.kind, self.level = next_kind, level

    # -- tags ---------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth or tag in _SKIPPED:
            if tag in _SKIPPED:
                self.skip_depth += 1
            return
        attr = {k: v or "" for k, v in attrs}
        if tag in _HEADINGS:
            self.flush("heading", _HEADINGS[tag])
        elif tag == "li":
            self.flush("li", max(self.list_depth, 1))
        elif tag in ("ul", "ol"):
            self.list_depth += 1
            self.flush()
        elif tag == "blockquote":
            self.quote_depth += 1
            self.flush()
        elif tag == "pre":
            self.pre_depth += 1
            self.flush("pre")
        elif tag in ("td", "th"):
            if self.cell_count:
                self._emit(" | ")
            self.cell_count += 1
        elif tag == "tr":
            self.cell_count = 0
            self.flush()
        elif tag in _BLOCKS:
            self.flush(self.kind if self.kind in ("li",) and not self.parts else "p", self.level)
        elif tag == "br":
            self._emit("\n")
        elif tag == "hr":
            self.flush()
            self.blocks.append(Block("hr"))
        elif tag == "a":
            href = attr.get("href", "").strip()
            if href:
                self.anchor = (href, [])
        elif tag == "img":
            self._image(attr)
        elif tag == "figure":
            self.flush()
            self.figure = _Figure()
        elif tag == "figcaption":
            self.in_figcaption += 1
        elif self.credit_depth and tag == self.credit_tag:
            self.credit_depth += 1
        elif (
            self.in_figcaption
            and not self.credit_depth
            and (tag in ("cite", "small") or _CREDIT_CLASS.search(attr.get("class", "")))
        ):
            self.credit_tag, self.credit_depth = tag, 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIPPED and self.skip_depth:
            self.skip_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag in _HEADINGS or tag in ("li", "tr"):
            self.flush()
        elif tag in ("ul", "ol"):
            self.list_depth = max(0, self.list_depth - 1)
            self.flush()
        elif tag == "blockquote":
            self.flush()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            self.flush()
            self.pre_depth = max(0, self.pre_depth - 1)
        elif tag in _BLOCKS:
            self.flush()
        elif tag == "a" and self.anchor is not None:
            self._close_anchor()
        elif tag == "figcaption":
            self.in_figcaption = max(0, self.in_figcaption - 1)
        elif tag == "figure" and self.figure is not None:
            self._close_figure()
        elif self.credit_depth and tag == self.credit_tag:
            self.credit_depth -= 1

    def _close_anchor(self) -> None:
        assert self.anchor is not None
        href, text_parts = self.anchor
        self.anchor = None
        url = clean_url(join_url(self.base_url, href))
        if not is_web_url(url):
            return
        number = self.link_numbers.get(url)
        if number is None:
            self.links.append((url, clean_line("".join(text_parts))))
            number = self.link_numbers[url] = len(self.links)
        marker = f"[{number}]"
        if self.figure is not None and self.in_figcaption:
            return
        self.parts.append(marker)
        self.plain_parts.append("")

    def _image(self, attr: dict[str, str]) -> None:
        src = clean_url(attr.get("src", ""))
        if src and self.base_url:
            src = clean_url(join_url(self.base_url, src))
        alt = clean_line(attr.get("alt", ""))
        title = clean_line(attr.get("title", ""))
        if self.figure is not None:
            if not self.figure.image_url:
                self.figure.image_url, self.figure.alt = src, alt or title
            return
        if attr.get("width") in ("0", "1") or attr.get("height") in ("0", "1"):
            return  # tracking pixel
        text = title or alt
        if not text:
            return
        text, credit = split_credit(text)
        caption = Caption(text=text or alt, credit=credit, image_url=src, alt=alt)
        self.flush(self.kind, self.level)
        self._add_caption(caption)

    def _close_figure(self) -> None:
        figure = self.figure
        assert figure is not None
        self.figure = None
        self.in_figcaption = self.credit_depth = 0
        text = clean_line("".join(figure.caption))
        credit = clean_line("".join(figure.credit))
        if text and not credit:
            text, credit = split_credit(text)
        if not text and not credit and not figure.alt:
            return
        self.flush()
        self._add_caption(
            Caption(
                text=text or figure.alt, credit=credit, image_url=figure.image_url, alt=figure.alt
            )
        )

    def _add_caption(self, caption: Caption) -> None:
        self.captions.append(caption)
        self.blocks.append(Block("caption", caption.text, caption.text, caption=caption))


def _walk(root: Any, builder: _Builder) -> None:
    """Drive the builder from an lxml tree, iteratively (no recursion limit on deep markup)."""
    from lxml import etree

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if event == "end" and element.tail:
                builder.handle_data(element.tail)
            continue
        tag = tag.lower()
        if event == "start":
            if tag in _VOID:
                builder.handle_startendtag(tag, list(element.attrib.items()))
            else:
                builder.handle_starttag(tag, list(element.attrib.items()))
                if element.text:
                    builder.handle_data(element.text)
        else:
            if tag not in _VOID:
                builder.handle_endtag(tag)
            if element.tail and element is not root:
                builder.handle_data(element.tail)


def parse_html(html: str, base_url: str = "") -> HtmlDoc:
    if not html or not html.strip():
        return HtmlDoc()
    import lxml.html
    from lxml import etree

    builder = _Builder(base_url)
    try:
        root = lxml.html.document_fromstring(clean_text(html))
    except (etree.ParserError, ValueError):  # nothing parseable: keep the text
        return HtmlDoc(blocks=text_blocks(re.sub(r"<[^>]*>", " ", html)))
    body = root.find("body")
    _walk(body if body is not None else root, builder)
    if builder.figure is not None:
        builder._close_figure()
    builder.flush()
    return HtmlDoc(tuple(builder.blocks), tuple(builder.links), tuple(builder.captions))


def text_blocks(text: str) -> tuple[Block, ...]:
    """Plain text (local articles, text/plain feeds) as paragraph blocks."""
    paragraphs = re.split(r"\n\s*\n", clean_text(text))
    out = []
    for para in paragraphs:
        para = "\n".join(line.strip() for line in para.strip().split("\n"))
        if para:
            out.append(Block("p", para, para))
    return tuple(out)


def looks_like_html(text: str) -> bool:
    return bool(
        re.search(
            r"<(?:p|br|div|a|img|figure|b|i|em|strong|ul|ol|li|h\d|span|blockquote)\b",
            text[:4000],
            re.I,
        )
    )


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_DROPPED = re.compile(
    r"<(script|style|noscript|template|svg|math|head|title|iframe)\b.*?</\1\s*>", re.S | re.I
)
_BREAK = re.compile(
    r"<(?:/?(?:p|div|li|h[1-6]|blockquote|pre|tr|figure|figcaption|section|article|table|ul|ol"
    r"|dd|dt|header|footer)|br|hr)\b[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[^>]*>")
_SKIPPED_START = re.compile(r"<(?:" + "|".join(sorted(_SKIPPED)) + r")\b", re.I)
_BLOCK_END = "\x00"  # a NUL in the source only ends one more paragraph: clean_text drops it

QUICKTEXT_API = 1  # what the compiled steps must say they are (a stale build is not used)
try:  # built by the wheel's build hook (hatch_build.py); without a compiler, the Python below
    from newsreader.text import _quicktext
except ImportError:
    _quicktext = None  # type: ignore[assignment]
if not built_for(_quicktext, QUICKTEXT_API):
    _quicktext = None  # type: ignore[assignment]


def quick_text(html: str) -> str:
    """The words of an HTML body, one paragraph per block, for the index and related articles.
    Regular expressions only (C speed): storing 10,000 articles must not parse 10,000 DOMs;
    the reading pane parses one, when it is shown (:func:`parse_html`)."""
    if not html:
        return ""
    if _quicktext is None:
        return reference_quick_text(html)
    text = _COMMENT.sub("", html) if "<!--" in html else html
    if _SKIPPED_START.search(text, 0, 200_000):
        text = _DROPPED.sub(" ", text)
    return clean_text(_quicktext.fold_blocks(unescape(_quicktext.strip_tags(text))))


def reference_quick_text(html: str) -> str:
    """:func:`quick_text` in Python: the reference of its compiled steps."""
    if not html:
        return ""
    text = _COMMENT.sub("", html) if "<!--" in html else html
    if _SKIPPED_START.search(text, 0, 200_000):
        text = _DROPPED.sub(" ", text)
    # Blocks end at a mark no text holds; the source's own line breaks are spaces, as in a
    # browser. str.split() folds every run of whitespace in one C pass over the whole text.
    text = unescape(_TAG.sub("", _BREAK.sub(_BLOCK_END, text)))
    paragraphs = " ".join(text.split()).split(_BLOCK_END)
    return clean_text("\n\n".join(p for p in map(str.strip, paragraphs) if p))


# An attribute value that is not an absolute link (no scheme) nor a fragment. The pattern
# starts with a literal "=", which the regex engine finds fast; whether the attribute is a
# link's is checked only for what it finds.
_RELATIVE_VALUE = re.compile(
    '=\\s*(?:"(?!\\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|#))([^"]+)"'
    "|'(?!\\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|#))([^']+)')"
)
_LINK_ATTRIBUTE_END = re.compile(r"\s(?:href|src|poster)\s*$", re.I)


# A link attribute whose value is not an absolute web link; each pattern starts with a
# literal, which the regex engine scans for fast (most bodies have none: they are left alone).
_RELATIVE_HREF = re.compile(r"""href=["'](?!https?://)""")
_RELATIVE_SRC = re.compile(r"""src=["'](?!https?://)""")


def absolute_links(html: str, base: str) -> str:
    """``html`` with the relative links and image sources of its elements resolved against
    ``base`` (the body's xml:base, else the document's URL), as the feed meant them: the
    reading pane would otherwise resolve them against the article's own link."""
    if not base or not (_RELATIVE_HREF.search(html) or _RELATIVE_SRC.search(html)):
        return html

    def resolve(match: re.Match[str]) -> str:
        start = match.start()
        if not _LINK_ATTRIBUTE_END.search(html, max(0, start - 16), start):
            return match.group(0)
        value = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if not value:
            return match.group(0)
        return f'="{escape(join_url(base, unescape(value)), quote=True)}"'

    return _RELATIVE_VALUE.sub(resolve, html)
