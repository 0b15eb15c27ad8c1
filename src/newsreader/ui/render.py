"""Model text to widgets: the one place where feed text becomes something Textual draws.

Everything is built as ``rich.text.Text`` objects or passed with ``markup=False``, so a title
such as ``[@click=app.quit]`` is shown as written and runs nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets.option_list import Option

from newsreader.reading import ReadingView, caption_text, source_label, source_text
from newsreader.related import RelatedArticle
from newsreader.ui.articlelist import relative_date


def related_option(item: RelatedArticle, index: int) -> Option:
    """A sidebar entry: title, then feed and date, and the feeds of folded copies."""
    text = Text()
    text.append(item.row.title or "(untitled)", style="" if item.row.read else "bold")
    text.append("\n")
    text.append(f"{item.row.feed_title} · {relative_date(item.row.published)}", style="dim")
    if item.also_in:
        text.append(f" · also in {', '.join(item.also_in)}", style="dim")
    return Option(text, id=f"rel:{index}")


def _static(text: str | Text, classes: str) -> Static:
    return Static(text if isinstance(text, Text) else Text(text), classes=classes, markup=False)


def reading_widgets(view: ReadingView) -> list[Widget]:
    widgets: list[Widget] = [_static(view.headline, "headline"), _static(view.meta, "meta")]
    for caption in view.lead_captions:
        widgets.append(_static(caption_text(caption), "caption"))
    for block in view.blocks:
        if block.kind == "caption" and block.caption is not None:
            widgets.append(_static(caption_text(block.caption), "caption"))
        elif block.kind == "heading":
            widgets.append(_static(Text(block.text, style="bold"), "body"))
        elif block.kind == "li":
            widgets.append(_static("  " * block.level + "• " + block.text, "body"))
        elif block.kind == "quote":
            widgets.append(_static(Text("▌ " + block.text, style="italic"), "body"))
        elif block.kind != "hr":
            widgets.append(_static(block.text, "body"))
    if view.links:
        widgets.append(_static("Links", "section-title"))
        lines = Text()
        for number, (url, _label) in enumerate(view.links, 1):
            lines.append(f"[{number}] {url}\n")
        widgets.append(_static(lines, "body"))
    if view.sources:
        widgets.append(_static("Sources", "section-title"))
        lines = Text()
        for ref in view.sources:
            lines.append(f"{source_label(ref)}: ", style="bold")
            lines.append(source_text(ref) + "\n")
        widgets.append(_static(lines, "body"))
    for group, items in view.related:
        widgets.append(_static(group, "section-title"))
        lines = Text()
        for item in items:
            if item.label:
                lines.append(f"[{item.label}] ", style="dim")
            lines.append(item.title + "\n")
        widgets.append(_static(lines, "body"))
    return widgets
