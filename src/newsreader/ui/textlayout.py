"""The reading pane's lines: blocks of styled text wrapped to a width, fast.

Rich's own wrapping costs tens of milliseconds for an article; this greedy wrapper measures
words once (ASCII by length, the rest by cell width) and cuts the styled text in one
``Text.divide``, so opening an article is a wrap of its text and a draw of the lines on screen.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

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
        if paragraph.isascii() and not _OTHER_ASCII_SPACE.search(paragraph):
            _break_spaced_ascii(paragraph, start, width, offsets)
        else:
            _break_words(paragraph, start, width, offsets)
        start += len(paragraph) + 1
        offsets.append(start)
    return [o for o in offsets if 0 < o < len(plain)]


_OTHER_ASCII_SPACE = re.compile(r"[\t\r\x0b\x0c\x1c-\x1f]")  # \s besides " " in ASCII


def _break_spaced_ascii(paragraph: str, start: int, width: int, offsets: list[int]) -> None:
    """The same cuts as ``_break_words`` when every character is one cell and every space a
    " ": found a line at a time (rfind), not a word at a time (most of an open's wrap)."""
    end_of_text = len(paragraph.rstrip(" "))
    line = len(paragraph) - len(paragraph.lstrip(" "))  # the first word; leading spaces ride
    while line + width < end_of_text:
        limit = line + width  # this line's words must end at or before it
        if paragraph[limit] == " ":  # a word ends exactly there
            following = limit
        else:
            space = paragraph.rfind(" ", line, limit)
            following = limit if space < 0 else space  # no space: a word longer than a line
        while paragraph[following] == " ":
            following += 1
        offsets.append(start + following)
        line = following


def _break_words(paragraph: str, start: int, width: int, offsets: list[int]) -> None:
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
