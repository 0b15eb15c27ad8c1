"""Model text to screen text: the one place where feed text becomes something Textual draws.

Everything is built as ``rich.text.Text`` objects (never parsed as markup), so a title
such as ``[@click=app.quit]`` is shown as written and runs nothing.
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text
from textual.widgets.option_list import Option

from newsreader.library.reading import ReadingView, format_size, source_label, source_text
from newsreader.models import Caption, Enclosure, RelatedLink, SourceRef
from newsreader.related.rank import RelatedArticle
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


def _part(kind: str, text: str | Text) -> Part:
    return kind, text if isinstance(text, Text) else Text(text)


def _caption(caption: Caption) -> Part:
    """``[image] caption — credit``; an image with neither caption nor description is just
    ``[image]`` (never ``[image] image``)."""
    text = Text("[image]", style="bold")
    words = caption.text or caption.alt
    if words:
        text.append(f" {words}")
    if caption.credit:
        text.append(f" — {caption.credit}", style="dim")
    return _part("caption", text)


def _section(title: str, lines: list[Text]) -> list[Part]:
    """A titled block (Links, Sources, a publisher's related group): one line per entry."""
    return [_part("section-title", title), _part("body", Text("\n").join(lines))]


def reading_parts(view: ReadingView) -> list[Part]:
    """The article as the reading pane's blocks. Runs of plain paragraphs share one block;
    captions, quotes and code stand apart (they are indented and styled on their own)."""
    parts: list[Part] = [_part("headline", view.headline), _part("meta", view.meta)]
    parts += [_caption(caption) for caption in view.lead_captions]
    run = Text()

    def flush() -> None:
        nonlocal run
        if run:
            run.rstrip()
            parts.append(_part("body", run))
            run = Text()

    for block in view.blocks:
        if block.kind == "caption" and block.caption is not None:
            flush()
            parts.append(_caption(block.caption))
        elif block.kind == "quote":
            flush()
            parts.append(_part("quote", Text(block.text, style="italic")))
        elif block.kind == "pre":
            flush()
            parts.append(_part("code", Text(block.text, no_wrap=True)))
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
        parts += _section(
            "Links", [_link_line(n, url, label) for n, (url, label) in enumerate(view.links, 1)]
        )
    if view.enclosures:
        parts += _section("Attachments", [_enclosure_line(e) for e in view.enclosures])
    if view.sources:
        parts += _section("Sources", [_source_line(ref) for ref in view.sources])
    for group, items in view.related:
        parts += _section(group, [_related_line(item) for item in items])
    return parts


def highlighted(parts: list[Part], match: re.Pattern[str] | None, style: Style) -> list[Part]:
    """``parts`` with the runs ``match`` finds (a search's words) in ``style``; copies, so
    the article's own parts stay as they were."""
    if match is None:
        return parts
    out: list[Part] = []
    for kind, text in parts:
        copy = text.copy()
        copy.highlight_regex(match, style=style)
        out.append((kind, copy))
    return out


def _link_line(number: int, url: str, label: str) -> Text:
    line = Text.assemble((f"[{number}] ", "bold"), url)
    if label and label != url:
        line.append(f"  {label}", style="dim")
    return line


def _enclosure_line(enclosure: Enclosure) -> Text:
    line = Text(enclosure.url)
    detail = ", ".join(p for p in (enclosure.type, format_size(enclosure.length)) if p)
    if detail:
        line.append(f"  ({detail})", style="dim")
    return line


def _source_line(ref: SourceRef) -> Text:
    return Text.assemble((f"{source_label(ref)}: ", "bold"), source_text(ref))


def _related_line(item: RelatedLink) -> Text:
    line = Text(f"[{item.label}] ", style="dim") if item.label else Text()
    line.append(item.title)
    return line
