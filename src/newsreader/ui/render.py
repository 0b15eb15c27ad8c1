"""Model text to widgets: the one place where feed text becomes something Textual draws.

Everything is built as ``rich.text.Text`` objects or passed with ``markup=False``, so a title
such as ``[@click=app.quit]`` is shown as written and runs nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from newsreader.models import Caption
from newsreader.reading import ReadingView, format_size, source_label, source_text
from newsreader.related import RelatedArticle
from newsreader.ui.articlelist import relative_date
from newsreader.ui.textlayout import Part


def related_option(item: RelatedArticle, index: int) -> Option:
    """A sidebar entry: title, then feed and date, and the feeds of folded copies."""
    text = Text()
    text.append(item.row.title or "(untitled)", style="" if item.row.read else "bold")
    text.append("\n")
    text.append(f"{item.row.feed_title} · {relative_date(item.row.published)}", style="dim")
    if item.also_in:
        text.append(f" · also in {', '.join(item.also_in)}", style="dim")
    return Option(text, id=f"rel:{index}")


def _static(text: str | Text, classes: str) -> Part:
    return classes, text if isinstance(text, Text) else Text(text)


def _caption(caption: Caption) -> Part:
    text = Text("[image] ", style="bold")
    text.append(caption.text or caption.alt or "image")
    if caption.credit:
        text.append(f" — {caption.credit}", style="dim")
    return _static(text, "caption")


def reading_parts(view: ReadingView) -> list[Part]:
    """The reading pane's parts. Runs of plain paragraphs share one part (fewer widgets to
    update is what makes opening an article fast); captions, quotes and code stand apart."""
    widgets: list[Part] = [_static(view.headline, "headline"), _static(view.meta, "meta")]
    widgets += [_caption(caption) for caption in view.lead_captions]
    run = Text()

    def flush() -> None:
        nonlocal run
        if run:
            run.rstrip()
            widgets.append(_static(run, "body"))
            run = Text()

    for block in view.blocks:
        if block.kind == "caption" and block.caption is not None:
            flush()
            widgets.append(_caption(block.caption))
        elif block.kind == "quote":
            flush()
            widgets.append(_static(Text(block.text, style="italic"), "quote"))
        elif block.kind == "pre":
            flush()
            widgets.append(_static(Text(block.text, no_wrap=True), "code"))
        elif block.kind == "heading":
            run.append(block.text + "\n\n", style="bold")
        elif block.kind == "li":
            run.append("  " * block.level + "- " + block.text + "\n")
        elif block.kind == "hr":
            run.append("* * *\n\n")
        else:
            if run.plain.endswith("\n") and not run.plain.endswith("\n\n"):
                run.append("\n")  # the end of a list
            run.append(block.text + "\n\n")
    flush()
    if view.links:
        widgets.append(_static("Links", "section-title"))
        lines = Text()
        for number, (url, label) in enumerate(view.links, 1):
            lines.append(f"[{number}] ", style="bold")
            lines.append(url)
            if label and label != url:
                lines.append(f"  {label}", style="dim")
            lines.append("\n")
        lines.rstrip()
        widgets.append(_static(lines, "body"))
    if view.enclosures:
        widgets.append(_static("Attachments", "section-title"))
        lines = Text()
        for enclosure in view.enclosures:
            lines.append(enclosure.url)
            detail = ", ".join(p for p in (enclosure.type, format_size(enclosure.length)) if p)
            if detail:
                lines.append(f"  ({detail})", style="dim")
            lines.append("\n")
        lines.rstrip()
        widgets.append(_static(lines, "body"))
    if view.sources:
        widgets.append(_static("Sources", "section-title"))
        lines = Text()
        for ref in view.sources:
            lines.append(f"{source_label(ref)}: ", style="bold")
            lines.append(source_text(ref) + "\n")
        lines.rstrip()
        widgets.append(_static(lines, "body"))
    for group, items in view.related:
        widgets.append(_static(group, "section-title"))
        lines = Text()
        for item in items:
            if item.label:
                lines.append(f"[{item.label}] ", style="dim")
            lines.append(item.title + "\n")
        lines.rstrip()
        widgets.append(_static(lines, "body"))
    return widgets
