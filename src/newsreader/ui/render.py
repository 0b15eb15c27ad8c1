"""Model text to widgets: the one place where feed text becomes something Textual draws.

Everything is built as ``rich.text.Text`` objects or passed with ``markup=False``, so a title
such as ``[@click=app.quit]`` is shown as written and runs nothing.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widgets.option_list import Option

from newsreader.models import Caption
from newsreader.reading import ReadingView, format_size, source_label, source_text
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


Part = tuple[str, Text]  # (kind, content): one block of the reading pane

# each kind of block takes its colours from a component class of the reading pane (styles/)
PART_STYLES = {
    "headline": "reader--headline",
    "meta": "reader--meta",
    "caption": "reader--caption",
    "quote": "reader--quote",
    "code": "reader--code",
    "section-title": "reader--section",
    "body": "reader--body",
}
_INDENTED = {"caption", "quote", "code"}


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


_WORD = re.compile(r"\S+\s*")


def _cells(word: str) -> int:
    return len(word) if word.isascii() else cell_len(word)


def break_offsets(plain: str, width: int) -> list[int]:
    """Where to cut ``plain`` into lines of at most ``width`` cells: greedy word wrap, a line
    per newline, words longer than a line cut. Offsets into ``plain``, as ``Text.divide``
    takes them."""
    offsets: list[int] = []
    start = 0
    for paragraph in plain.split("\n"):
        column = 0
        for match in _WORD.finditer(paragraph):
            word = match.group()
            visible = word.rstrip()
            position = start + match.start()
            size = _cells(visible)
            if column and column + size > width:
                offsets.append(position)
                column = 0
            while size > width:  # a word longer than a line
                cut = _fit_chars(visible, width)
                visible = visible[cut:]
                position += cut
                offsets.append(position)
                size = _cells(visible)
            column += size + len(word) - len(word.rstrip())
        start += len(paragraph) + 1
        offsets.append(start)
    return [o for o in offsets if 0 < o < len(plain)]


def _fit_chars(word: str, width: int) -> int:
    """How many characters of ``word`` fit in ``width`` cells (at least one)."""
    if word.isascii():
        return max(1, width)
    used = 0
    for index, char in enumerate(word):
        used += cell_len(char)
        if used > width:
            return max(1, index)
    return len(word)


def wrap(text: Text, width: int) -> list[Text]:
    lines = text.divide(break_offsets(text.plain, max(1, width)))
    out = []
    for line in lines:
        line.rstrip()
        if line.plain.endswith("\n"):
            line.right_crop(1)
        out.append(line)
    return out


def layout_lines(parts: list[Part], width: int, styles: dict[str, Style]) -> list[Text]:
    """The article as lines of at most ``width`` cells, styled per kind of block: what the
    reading pane draws, one line at a time."""
    lines: list[Text] = []
    for index, (kind, text) in enumerate(parts):
        text = text.copy()
        text.style = styles.get(kind, Style())
        if kind == "code":
            block = [Text("  ") + line for line in text.split("\n", allow_blank=True)]
        elif kind in _INDENTED:
            block = [Text("  ") + line for line in wrap(text, width - 2)]
        else:
            block = wrap(text, width)
        lines.extend(block)
        if kind != "section-title" and index < len(parts) - 1:
            lines.append(Text(""))
    return lines
