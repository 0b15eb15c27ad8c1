"""The article as the reading pane shows it, built once from the stored article.

Core code (no UI imports): ``newsreader show`` prints :func:`as_text`; the TUI renders the same
:class:`ReadingView` with Textual widgets, so the two never disagree about what an article holds.
"""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass

from newsreader.models import Article, Caption, Enclosure, RelatedLink, SourceKind, SourceRef
from newsreader.text.htmldoc import Block, parse_html, text_blocks

_SOURCE_LABELS = {
    SourceKind.ORIGIN: "Original",
    SourceKind.PUBLISHER: "Publisher",
    SourceKind.AUTHOR: "Author",
    SourceKind.AGENCY: "Source",
    SourceKind.VIA: "Via",
}


@dataclass(frozen=True, slots=True)
class ReadingView:
    headline: str
    meta: str
    lead_captions: tuple[Caption, ...]  # captions whose image is not in the body
    blocks: tuple[Block, ...]
    links: tuple[tuple[str, str], ...]  # numbered from 1
    sources: tuple[SourceRef, ...]  # all but the numbered links
    related: tuple[tuple[str, tuple[RelatedLink, ...]], ...]  # (group, links)
    enclosures: tuple[Enclosure, ...]
    url: str


def format_date(epoch: float | None) -> str:
    if epoch is None:
        return "date unknown"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(epoch)) + " UTC"


def format_size(length: int | None) -> str:
    if length is None:
        return ""
    size = float(length)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def source_label(ref: SourceRef) -> str:
    return _SOURCE_LABELS.get(ref.kind, ref.kind.value.title())


def source_text(ref: SourceRef) -> str:
    text = ref.name or ref.url
    if ref.place:
        text += f" ({ref.place})"
    if ref.url and ref.name and ref.kind is not SourceKind.ORIGIN:
        text += f" <{ref.url}>"
    elif ref.kind is SourceKind.ORIGIN and ref.url:
        text = ref.url
    return text


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def build_view(article: Article, feed_title: str = "") -> ReadingView:
    if article.body_format == "html":
        doc = parse_html(article.body, article.url)
        blocks, links = doc.blocks, doc.links
    else:
        blocks, links = text_blocks(article.body), ()
    if blocks and blocks[0].kind == "heading" and _same_words(blocks[0].plain, article.title):
        blocks = blocks[1:]  # the headline, written again at the top of the body
    in_body = {(b.caption.image_url, b.caption.text) for b in blocks if b.caption is not None}
    body_images = {url for url, _ in in_body if url}
    lead = tuple(
        c
        for c in article.captions
        if (c.image_url, c.text) not in in_body
        and (not c.image_url or c.image_url not in body_images)
    )
    meta_parts = [feed_title, article.author, format_date(article.published)]
    if article.categories:
        meta_parts.append(", ".join(article.categories[:8]))
    labels = sorted({r.label for r in article.related_links if r.label and r.group != "Related"})
    if labels and not article.categories:
        meta_parts.append(labels[0])
    groups: dict[str, list[RelatedLink]] = {}
    for link in article.related_links:
        groups.setdefault(link.group or "Related", []).append(link)
    return ReadingView(
        headline=article.title or "(untitled)",
        meta=" · ".join(p for p in meta_parts if p),
        lead_captions=lead,
        blocks=blocks,
        links=links,
        sources=tuple(s for s in article.sources if s.kind is not SourceKind.LINK),
        related=tuple((group, tuple(items)) for group, items in groups.items()),
        enclosures=article.enclosures,
        url=article.url,
    )


def complete_article(article: Article) -> Article:
    """The article with what its body holds: its words (when not indexed yet), captions of its
    figures and images, and its links as numbered sources (kind "link", in the order the
    reading pane numbers them)."""
    if article.body_format != "html" or not article.body:
        return article
    from dataclasses import replace

    from newsreader.feeds.normalize import merge_captions, merge_sources

    doc = parse_html(article.body, article.url)
    links = [SourceRef(SourceKind.LINK, text, url) for url, text in doc.links]
    return replace(
        article,
        text=article.text or doc.text,
        captions=merge_captions(article.captions, doc.captions),
        sources=merge_sources([*article.sources, *links]),
    )


def caption_text(caption: Caption) -> str:
    """A caption's words and credit; "" for an image with neither."""
    text = caption.text or caption.alt
    if caption.credit:
        return f"{text} — {caption.credit}" if text else f"— {caption.credit}"
    return text


def as_text(view: ReadingView, width: int = 80) -> str:
    """Plain text, wrapped to ``width``: what ``newsreader show`` prints."""
    width = max(20, width)
    out: list[str] = []

    def para(text: str, indent: str = "", first: str | None = None) -> None:
        for i, line in enumerate(text.split("\n")):
            lead = first if (first is not None and i == 0) else indent
            out.extend(
                textwrap.wrap(line, width, initial_indent=lead, subsequent_indent=indent) or [""]
            )

    def image(caption: Caption) -> None:
        words = caption_text(caption)
        if words:
            para(words, "        ", "[image] ")
        else:
            out.append("[image]")

    para(view.headline)
    out.append("=" * min(width, max(len(view.headline), 10)))
    para(view.meta)
    out.append("")
    for caption in view.lead_captions:
        image(caption)
        out.append("")
    for block in view.blocks:
        if block.kind == "caption" and block.caption is not None:
            image(block.caption)
        elif block.kind == "heading":
            para(block.text.upper() if block.level <= 2 else block.text)
        elif block.kind == "li":
            para(block.text, "  " * block.level + "  ", "  " * block.level + "- ")
        elif block.kind == "quote":
            para(block.text, "  > ", "  > ")
        elif block.kind == "pre":
            out.extend("    " + line for line in block.text.split("\n"))
        elif block.kind == "hr":
            out.append("-" * min(width, 40))
        else:
            para(block.text)
        out.append("")
    if view.links:
        out.append("Links")
        for number, (url, text) in enumerate(view.links, 1):
            para(
                f"{url}" + (f"  ({text})" if text and text != url else ""), "      ", f"[{number}] "
            )
        out.append("")
    if view.enclosures:
        out.append("Attachments")
        for enc in view.enclosures:
            detail = ", ".join(p for p in (enc.type, format_size(enc.length)) if p)
            para(enc.url + (f" ({detail})" if detail else ""), "    ", "  - ")
        out.append("")
    if view.sources:
        out.append("Sources")
        for ref in view.sources:
            para(source_text(ref), "    ", f"  {source_label(ref)}: ")
        out.append("")
    for group, items in view.related:
        out.append(group)
        for item in items:
            label = f"[{item.label}] " if item.label else ""
            para(label + item.title + (f" <{item.url}>" if item.url else ""), "    ", "  - ")
            if item.summary:
                para(textwrap.shorten(item.summary, 300, placeholder=" …"), "    ", "    ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
