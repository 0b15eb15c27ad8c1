"""The article list: one line per article, drawn only for the lines on screen.

A Line-API ``ScrollView`` (the toolong pattern): the list knows how many rows its view has and
holds pages of ``PAGE`` rows fetched on demand by a loader running in a thread worker; a line
whose page is not here yet is drawn as a placeholder and filled in when the page arrives. A
100,000-row view costs the same to open and to move through as a 100-row one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsreader.library.views import PAGE
from newsreader.models import ArticleRow

MAX_PAGES = 40  # pages kept; the ones farthest from the cursor go first

Loader = Callable[[int, int, "tuple[float, int] | None"], list[ArticleRow]]


def relative_date(published: float | None, now: float | None = None) -> str:
    """``14:05`` today, ``Tue`` this week, ``11-03`` this year, else ``2024-11``."""
    if published is None:
        return "--"
    now = now or time.time()
    local, today = time.localtime(published), time.localtime(now)
    if local[:3] == today[:3]:
        return time.strftime("%H:%M", local)
    # by calendar day, so that one day reads the same whatever its hour
    days_ago = (date(*today[:3]) - date(*local[:3])).days
    if 0 < days_ago < 7:
        return time.strftime("%a", local)
    if local.tm_year == today.tm_year:
        return time.strftime("%m-%d", local)
    return time.strftime("%Y-%m", local)


def row_text(
    row: ArticleRow,
    width: int,
    bookmarked: bool,
    feed_width: int,
    match: re.Pattern[str] | None = None,
    match_style: Style | None = None,
) -> Text:
    """One list line, cut to ``width`` cells with an ellipsis (never mid-character); the
    runs of the title that ``match`` finds (a search's words) in ``match_style``."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("N" if not row.read else " ", style="bold")
    text.append("*" if bookmarked else " ", style="bold")
    text.append(" " + relative_date(row.published).rjust(5) + " ", style="dim")
    if feed_width:
        text.append(fit(row.feed_title, feed_width) + " ", style="italic")
    title_at = len(text)
    text.append(row.title or "(untitled)", style="" if row.read else "bold")
    if match is not None and match_style is not None:
        for found in match.finditer(row.title):
            text.stylize(match_style, title_at + found.start(), title_at + found.end())
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


def fit(value: str, width: int) -> str:
    """``value`` in exactly ``width`` terminal cells: cut with an ellipsis, or padded."""
    text = Text(value, no_wrap=True, end="")
    text.truncate(width, overflow="ellipsis", pad=True)
    return text.plain


class ArticleList(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-list--cursor",
        "article-list--unread",
        "article-list--placeholder",
        "article-list--match",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="up"),
        Binding("g,home", "first", "First", show=False, id="first"),
        Binding("G,end", "last", "Last", show=False, id="last"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
    ]

    class Highlighted(Message):
        def __init__(self, row: ArticleRow, index: int) -> None:
            super().__init__()
            self.row = row
            self.index = index

    class Selected(Message):
        def __init__(self, row: ArticleRow, index: int) -> None:
            super().__init__()
            self.row = row
            self.index = index

    class PageLoaded(Message):
        """A page the list asked for, read in its worker (``generation``: of which reset)."""

        def __init__(self, generation: int, number: int, rows: list[ArticleRow]) -> None:
            super().__init__()
            self.generation, self.number, self.rows = generation, number, rows

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = 0
        self.cursor = 0
        self.pages: dict[int, list[ArticleRow]] = {}
        self.pending_pages: set[int] = set()  # never "loading": Widget.loading disables keys
        self.loader: Loader | None = None
        self.generation = 0
        self.bookmarked: set[str] = set()  # URLs
        self.match: re.Pattern[str] | None = None  # a search view's words, highlighted
        self._announced: tuple[int, int] | None = None

    # -- data -----------------------------------------------------------------------
    def reset(
        self,
        total: int,
        loader: Loader,
        cursor: int = 0,
        keep_scroll: bool = False,
        pages: dict[int, list[ArticleRow]] | None = None,
    ) -> None:
        """Show a view of ``total`` rows; pages are fetched by ``loader(offset, limit, after)``
        (``pages``: those the caller read already)."""
        self.generation += 1
        self.total = total
        self.loader = loader
        self.pages.clear()
        self.pages.update(pages or {})
        self.pending_pages.clear()
        self._announced = None
        self.virtual_size = Size(self.size.width, total)
        self.cursor = max(0, min(cursor, total - 1))
        if not keep_scroll:
            self.scroll_to(y=max(0, self.cursor - self.size.height // 2), animate=False)
        self.refresh()
        self._request(self.cursor // PAGE)
        self._announce()

    def row_at(self, index: int) -> ArticleRow | None:
        page = self.pages.get(index // PAGE)
        if page is None or index % PAGE >= len(page):
            return None
        return page[index % PAGE]

    @property
    def current(self) -> ArticleRow | None:
        return self.row_at(self.cursor) if self.total else None

    def set_read(self, article_id: int, read: bool) -> None:
        """An article's read state changed: its row, if loaded, is redrawn where it is."""
        for number, page in self.pages.items():
            for i, row in enumerate(page):
                if row.id == article_id:
                    if row.read != read:
                        page[i] = replace(row, read=read)
                        self.refresh_line(number * PAGE + i)
                    return

    def refresh_line(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _request(self, number: int) -> None:
        if number < 0 or number * PAGE >= self.total or number in self.pages:
            return
        if number in self.pending_pages or self.loader is None:
            return
        self.pending_pages.add(number)
        before = self.pages.get(number - 1)
        after = (before[-1].sort_key, before[-1].id) if before and len(before) == PAGE else None
        loader, generation = self.loader, self.generation

        def load() -> None:
            rows = loader(number * PAGE, PAGE, after)
            self.post_message(self.PageLoaded(generation, number, rows))

        self.run_worker(load, thread=True, group=f"page-{number}", exit_on_error=False)

    def on_article_list_page_loaded(self, message: ArticleList.PageLoaded) -> None:
        message.stop()
        generation, number, rows = message.generation, message.number, message.rows
        if generation != self.generation:
            return
        self.pending_pages.discard(number)
        self.pages[number] = rows
        if len(self.pages) > MAX_PAGES:
            here = self.cursor // PAGE
            for far in sorted(self.pages, key=lambda n: -abs(n - here))[
                : len(self.pages) - MAX_PAGES
            ]:
                del self.pages[far]
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        row = self.current
        # the position shows once its row is here: "1/100000" on screen means ready to open
        if not self.total:
            self.border_subtitle = "0/0"
        else:
            self.border_subtitle = f"{self.cursor + 1}/{self.total}" if row else ""
        if row is not None and self._announced != (row.id, self.cursor):
            self._announced = (row.id, self.cursor)
            self.post_message(self.Highlighted(row, self.cursor))

    # -- drawing --------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        # less a scrollbar's columns: a title cut to the whole width lost its "…" under it
        width = self.scrollable_content_region.width or self.size.width
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self.row_at(index)
        if row is None:
            self._request(index // PAGE)
            style = self.get_component_rich_style("article-list--placeholder")
            return Strip([Segment(" " * 8 + "…".ljust(max(0, width - 8)), style)], width)
        feed_width = 0 if width < 40 else min(16, max(8, width // 5))
        match_style = (
            self.get_component_rich_style("article-list--match", partial=True)
            if self.match
            else None
        )
        text = row_text(row, width, row.url in self.bookmarked, feed_width, self.match, match_style)
        base = self.rich_style
        if index == self.cursor:
            base = base + self.get_component_rich_style("article-list--cursor")
        elif not row.read:
            base = base + self.get_component_rich_style("article-list--unread")
        segments = [
            Segment(seg.text, base + seg.style if seg.style else base)
            for seg in text.render(self.app.console)
            if seg.text != "\n"
        ]
        return Strip(segments).crop_extend(0, width, base)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total)

    # -- moving ---------------------------------------------------------------------
    def move_to(self, index: int) -> None:
        if not self.total:
            return
        index = max(0, min(index, self.total - 1))
        old, self.cursor = self.cursor, index
        height = self.size.height or 1
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)
        self.refresh_line(old)
        self.refresh_line(index)
        for number in {index // PAGE, (index + height) // PAGE, (index - height) // PAGE}:
            self._request(number)
        self._announce()

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.total - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.size.height - 1))

    def select_current(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(row, self.cursor))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)  # the event's y counts the border row
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < self.total:
            self.move_to(index)
            if event.chain >= 2:
                self.select_current()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        top = int(new)
        for number in {top // PAGE, (top + self.size.height) // PAGE}:
            self._request(number)
