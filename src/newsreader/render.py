"""Model text to widgets: the one place where feed text becomes something Textual draws.

Everything is built as ``rich.text.Text`` objects or passed with ``markup=False``, so a title
such as ``[@click=app.quit]`` is shown as written and runs nothing.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from newsreader.models import ArticleRow
from newsreader.reading import ReadingView, caption_text, source_label, source_text


def list_row(row: ArticleRow) -> Text:
    marker = "  " if row.read else "N "
    date = time.strftime("%m-%d", time.gmtime(row.published)) if row.published else "--   "
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(marker, style="bold" if not row.read else "")
    text.append(date + " ", style="dim")
    feed = row.feed_title if len(row.feed_title) <= 14 else row.feed_title[:13] + "…"
    text.append(feed.ljust(14) + " ", style="italic")
    text.append(row.title, style="bold" if not row.read else "")
    return text


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
