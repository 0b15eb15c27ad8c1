"""Plain-text article pages, as saved from a news site (the shape of
``shared/seed/article-commonspace-mali.txt``)::

    Headline

    Paragraph …

    source: commonspace.eu with DW (Cologne) and the press service of … (Moscow)
    photo: Caption text (picture courtesy of Credit)

    Related articles

    Editor's choice
    News
    Title of a related item

    Title of a related item          (a repeated title is shown once)

    Summary of the related item
    Popular
    …

Optional header lines before the body (``author:``, ``date:``, ``url:``, ``tags:``) are read as
metadata. Everything returned is raw: :func:`~newsreader.feeds.normalize.build_article` cleans it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsreader.models import Caption, RelatedLink, SourceKind, SourceRef

_BLOCK_HEADINGS = {
    "related articles": "Related articles",
    "related": "Related articles",
    "related stories": "Related articles",
    "read more": "Related articles",
    "popular": "Popular",
    "most read": "Popular",
    "most popular": "Popular",
}
_META = re.compile(
    r"^(author|by|date|published|url|link|tags|category|categories)\s*:\s*(.+)$", re.I
)
_SOURCE = re.compile(r"^sources?\s*:\s*(.+)$", re.I)
_PHOTO = re.compile(r"^(?:photo|image|picture|pictured)\s*:\s*(.+)$", re.I)
_CREDIT = re.compile(
    r"\s*\(\s*((?:picture|photo|image)s?\s+(?:courtesy\s+of|by|credit:?)\s+.+?|(?:credit|photo)\s*:\s*.+?)\s*\)\s*\.?\s*$",
    re.I,
)
_PLACE = re.compile(r"^(.*?)\s*\(([^()]{1,80})\)\s*$")
_SOURCE_SPLIT = re.compile(r"\s*(?:;|,|\bwith\b|\band\b|\bplus\b|&)\s*", re.I)


@dataclass
class TextArticle:
    title: str = ""
    paragraphs: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


def parse_sources(value: str) -> list[SourceRef]:
    """ "commonspace.eu with DW (Cologne) and the press service of X (Moscow)" → three credited
    sources, the second and third with their places."""
    refs = []
    for part in _SOURCE_SPLIT.split(value.strip().rstrip(".")):
        part = part.strip(" .")
        if not part:
            continue
        name, place = part, ""
        match = _PLACE.match(part)
        if match and match.group(1):
            name, place = match.group(1).strip(), match.group(2).strip()
        url = name if name.startswith(("http://", "https://")) else ""
        refs.append(SourceRef(SourceKind.AGENCY, name, url, place))
    return refs


def parse_caption(value: str) -> Caption:
    match = _CREDIT.search(value)
    if not match:
        return Caption(text=value.strip())
    credit = re.sub(
        r"^(?:picture|photo|image)s?\s+courtesy\s+of\s+", "", match.group(1), flags=re.I
    )
    return Caption(text=value[: match.start()].strip(), credit=credit.strip())


def _is_label(line: str) -> bool:
    """A tag line in a related block ("Editor's choice", "News"), not a headline."""
    return len(line) <= 32 and len(line.split()) <= 4 and not line.endswith((".", "?", "!", ":"))


def _related_items(lines: list[str], group: str) -> list[RelatedLink]:
    items: list[RelatedLink] = []
    labels: list[str] = []
    title = summary = ""

    def emit() -> None:
        nonlocal labels, title, summary
        if title:
            items.append(
                RelatedLink(title=title, label=" · ".join(labels), summary=summary, group=group)
            )
        labels, title, summary = [], "", ""

    for line in lines:
        if not title:
            if _is_label(line):
                labels.append(line)
            else:
                title = line
        elif line == title:
            continue
        elif _is_label(line):
            emit()
            labels.append(line)
        elif not summary:
            summary = line
        else:
            emit()
            title = line
    emit()
    return items


def parse_text_article(text: str) -> TextArticle:
    text = text.replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    article = TextArticle()
    lines = [line.strip() for line in text.split("\n")]
    index = 0
    while index < len(lines) and not lines[index]:
        index += 1
    if index < len(lines):
        article.title = lines[index]
        index += 1

    paragraph: list[str] = []
    block_group = ""
    block_lines: list[str] = []
    header = True

    def end_paragraph() -> None:
        if paragraph:
            article.paragraphs.append("\n".join(paragraph))
            paragraph.clear()

    def end_block() -> None:
        if block_group:
            article.related.extend(_related_items(block_lines, block_group))
            block_lines.clear()

    for line in lines[index:]:
        heading = _BLOCK_HEADINGS.get(line.lower().rstrip(":"))
        if heading and not paragraph:
            end_block()
            block_group = heading
            continue
        if block_group:
            if line:
                block_lines.append(line)
            continue
        if not line:
            end_paragraph()
            continue
        if header and (meta := _META.match(line)):
            article.meta[meta.group(1).lower()] = meta.group(2).strip()
            continue
        header = False
        if (match := _SOURCE.match(line)) and not paragraph:
            article.sources.extend(parse_sources(match.group(1)))
        elif (match := _PHOTO.match(line)) and not paragraph:
            article.captions.append(parse_caption(match.group(1)))
        else:
            paragraph.append(line)
    end_paragraph()
    end_block()
    return article
