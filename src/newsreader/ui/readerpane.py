"""The reading pane: the open article as lines, drawn with the Line API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsreader.ui.textlayout import PART_STYLES, Part, layout_lines

if TYPE_CHECKING:
    from newsreader.library.reading import ReadingView
    from newsreader.models import Article


def _binding(keys: str, action: str, description: str, id: str) -> Binding:
    return Binding(keys, action, description, show=False, id=id)


class ReaderPane(ScrollView, can_focus=True):
    """The open article as lines, wrapped by us once per width and drawn only where visible
    (the Line API, like the list): opening an article costs a wrap of its text and the lines
    on screen, whatever its length."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*PART_STYLES.values(), "reader--match"}
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding("j,down", "scroll_down", "Scroll down", "reader_down"),
        _binding("k,up", "scroll_up", "Scroll up", "reader_up"),
        _binding("space,pagedown", "page_down", "Page down", "reader_page_down"),
        _binding("pageup", "page_up", "Page up", "reader_page_up"),
        _binding("g,home", "scroll_home", "Top", "reader_top"),
        _binding("G,end", "scroll_end", "Bottom", "reader_bottom"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.parts: list[Part] = []
        self.lines: list[Text] = []
        self._wrapped_at = 0
        self._wrapped_styles: dict[str, Style] = {}  # the part styles the lines carry
        self._base_style: Style | None = None  # the pane's own style, until the CSS changes
        # drawn lines by index, with the style they were drawn on, until the text changes
        self._strips: dict[int, tuple[Style, Strip]] = {}

    @property
    def plain(self) -> str:
        """The article's text as shown (tests, and a future copy command)."""
        return "\n".join(text.plain for _, text in self.parts)

    def layout_request(
        self, room: Size | None = None, match: re.Pattern[str] | None = None
    ) -> LayoutRequest:
        """What a worker needs to lay the next article out for this pane: its text width and
        height, and the styles. A hidden pane (one pane at a time) has no size: ``room`` is
        the space it will fill when shown, less its border, padding and scrollbar."""
        region = self.scrollable_content_region
        width, height = region.width, region.height
        if not width and room is not None:
            gutter = self.styles.gutter
            width = room.width - gutter.width - self.styles.scrollbar_size_vertical
            height = room.height - gutter.height
        width = max(10, width or self._wrapped_at)
        match_style = self.get_component_rich_style("reader--match", partial=True)
        return LayoutRequest(
            width, height or self.screen.size.height, self._part_styles(), self._base(),
            match, match_style if match else Style(),
        )  # fmt: skip

    def show(self, parts: list[Part], prepared: PreparedLayout | None = None) -> None:
        """Show ``parts``; the lines (and the first screen drawn) by a worker are used when
        the pane still has their width and style."""
        self.parts = parts
        current = self.scrollable_content_region.width  # 0 while hidden: as prepared for it
        if prepared is not None and prepared.request.width == (current or prepared.request.width):
            self._set_lines(prepared.lines, prepared.request.width, prepared.request.styles)
            if prepared.request.base == self._base():
                self._strips = dict(prepared.strips)
        else:
            self._wrap()
        self.scroll_home(animate=False)

    def update_meta(self, text: Text) -> None:
        """The meta line again, with what arrived later (Also reported by)."""
        if len(self.parts) > 1:
            self.parts[1] = (self.parts[1][0], text)
            self._wrap()

    def _part_styles(self) -> dict[str, Style]:
        return {kind: self.get_component_rich_style(name) for kind, name in PART_STYLES.items()}

    def _wrap(self) -> None:
        width = max(10, self.scrollable_content_region.width or self._wrapped_at)
        styles = self._part_styles()
        self._set_lines(layout_lines(self.parts, width, styles), width, styles)

    def _set_lines(self, lines: list[Text], width: int, styles: dict[str, Style]) -> None:
        self.lines = lines
        self._wrapped_styles = styles
        self._strips = {}
        self._wrapped_at = width
        self.virtual_size = Size(width, len(lines))
        self.refresh()
        self._show_position()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._show_position()

    def _show_position(self) -> None:
        """Without a scrollbar (one pane at a time), the border says how much is above the
        bottom line, in percent; nothing when the article fits."""
        height = self.scrollable_content_region.height
        position = ""
        if self.styles.scrollbar_size_vertical == 0 and height and len(self.lines) > height:
            bottom = min(len(self.lines), round(self.scroll_y) + height)
            position = f"{100 * bottom // len(self.lines)}%"
        if self.border_subtitle != position:
            self.border_subtitle = position

    def on_resize(self) -> None:
        if self.parts and self.scrollable_content_region.width != self._wrapped_at:
            self._wrap()
        self._show_position()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None  # the drawn lines stay while it is the same (a focus change)
        if self.parts and self.is_mounted:
            # a new theme changes the parts' styles, which the wrapped lines carry
            self.call_after_refresh(self._rewrap_for_new_styles)

    def _rewrap_for_new_styles(self) -> None:
        if self.parts and self._part_styles() != self._wrapped_styles:
            self._wrap()

    def _base(self) -> Style:
        if self._base_style is None:
            self._base_style = self.rich_style  # walks every ancestor: once, not per line
        return self._base_style

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self._base()
        if index >= len(self.lines):
            return Strip.blank(width, base)
        drawn = self._strips.get(index)
        if drawn is None or drawn[0] != base or drawn[1].cell_length != width:
            drawn = self._strips[index] = (base, draw_line(self.lines[index], base, width))
        return drawn[1]


@dataclass(frozen=True, slots=True)
class LayoutRequest:
    width: int
    height: int
    styles: dict[str, Style]
    base: Style
    match: re.Pattern[str] | None = None  # a search's words, highlighted in the text
    match_style: Style = field(default_factory=Style)


@dataclass(frozen=True, slots=True)
class PreparedLayout:
    request: LayoutRequest
    lines: list[Text]
    strips: dict[int, tuple[Style, Strip]]


@dataclass(frozen=True, slots=True)
class ReadyArticle:
    """An article read, built and wrapped by a worker: what the frame that shows it needs."""

    article: Article
    view: ReadingView
    parts: list[Part]
    prepared: PreparedLayout


def ready_article(
    article: Article, feed_title: str, layout: LayoutRequest, shown: Article | None = None,
    note: str = "",
) -> ReadyArticle:  # fmt: skip
    """In a worker thread: ``article`` (or ``shown`` in its place: it with its page's text)
    built into its reading view and parts and wrapped for ``layout``; ``note`` ends the
    meta line (where the text comes from)."""
    from dataclasses import replace

    from newsreader.library.reading import build_view
    from newsreader.ui.render import highlighted, reading_parts

    view = build_view(shown or article, feed_title)
    if note:
        view = replace(view, meta=" · ".join(p for p in (view.meta, note) if p))
    parts = highlighted(reading_parts(view), layout.match, layout.match_style)
    return ReadyArticle(article, view, parts, prepare_layout(parts, layout))


def prepare_layout(parts: list[Part], request: LayoutRequest) -> PreparedLayout:
    """Wrap ``parts`` and draw the first screen of them; pure, so a worker thread runs it and
    the frame that shows the article only copies lines."""
    lines = layout_lines(parts, request.width, request.styles)
    first_screen = range(min(len(lines), request.height))
    strips = {
        i: (request.base, draw_line(lines[i], request.base, request.width)) for i in first_screen
    }
    return PreparedLayout(request, lines, strips)


# Text.render asks a console only to resolve named styles: any console will do, in any thread
_CONSOLE = Console(width=1000)


def draw_line(line: Text, base: Style, width: int) -> Strip:
    """One wrapped line as a strip ``width`` cells wide, on the pane's ``base`` style."""
    # Text.render leaves a line's own style out when it has no spans: apply it here
    if isinstance(line.style, Style):
        base = base + line.style
    segments = [
        Segment(s.text, base + s.style if s.style else base)
        for s in line.render(_CONSOLE)
        if s.text != "\n"
    ]
    return Strip(segments).crop_extend(0, width, base)
