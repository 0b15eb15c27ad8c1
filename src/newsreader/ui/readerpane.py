"""The reading pane: the open article as lines, drawn with the Line API."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsreader.ui.textlayout import PART_STYLES, Part, layout_lines


def _binding(keys: str, action: str, description: str, id: str) -> Binding:
    return Binding(keys, action, description, show=False, id=id)


class ReaderPane(ScrollView, can_focus=True):
    """The open article as lines, wrapped by us once per width and drawn only where visible
    (the Line API, like the list): opening an article costs a wrap of its text and the lines
    on screen, whatever its length."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set(PART_STYLES.values())
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

    @property
    def plain(self) -> str:
        """The article's text as shown (tests, and a future copy command)."""
        return "\n".join(text.plain for _, text in self.parts)

    @property
    def layout_request(self) -> tuple[int, dict[str, Style]]:
        """The width and styles to wrap for, so a worker can wrap the next article: the
        current width, or the last one while the pane is hidden (one pane at a time)."""
        width = self.scrollable_content_region.width or self._wrapped_at
        styles = {kind: self.get_component_rich_style(name) for kind, name in PART_STYLES.items()}
        return width, styles

    def show(self, parts: list[Part], lines: list[Text] | None = None, width: int = 0) -> None:
        """Show ``parts``; ``lines`` wrapped at ``width`` by a worker are used when the pane
        still has that width."""
        self.parts = parts
        current = max(10, self.scrollable_content_region.width or self._wrapped_at)
        if lines is not None and width == current:
            self._set_lines(lines, width)
        else:
            self._wrap()
        self.scroll_home(animate=False)

    def update_meta(self, text: Text) -> None:
        """The meta line again, with what arrived later (Also reported by)."""
        if len(self.parts) > 1:
            self.parts[1] = (self.parts[1][0], text)
            self._wrap()

    def _wrap(self) -> None:
        width = max(10, self.scrollable_content_region.width or self._wrapped_at)
        styles = {kind: self.get_component_rich_style(name) for kind, name in PART_STYLES.items()}
        self._set_lines(layout_lines(self.parts, width, styles), width)

    def _set_lines(self, lines: list[Text], width: int) -> None:
        self.lines = lines
        self._wrapped_at = width
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def on_resize(self) -> None:
        if self.parts and self.scrollable_content_region.width != self._wrapped_at:
            self._wrap()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        line = self.lines[index]
        # Text.render leaves a line's own style out when it has no spans: apply it here
        base = self.rich_style + line.style if isinstance(line.style, Style) else self.rich_style
        segments = [
            Segment(s.text, base + s.style if s.style else base)
            for s in line.render(self.app.console)
            if s.text != "\n"
        ]
        return Strip(segments).crop_extend(0, width, base)
