"""The related-articles sidebar: the open article's related articles in your feeds, then the
related links its publisher listed. It says what was chosen by a message; the screen acts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from newsreader.models import RelatedLink
    from newsreader.related.rank import RelatedArticle


class RelatedList(OptionList):
    """j/k (and g/G) move through the entries as they do in the list and the reader."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="related_down"),
        Binding("k", "cursor_up", "Up", show=False, id="related_up"),
        Binding("g", "first", "First", show=False, id="related_first"),
        Binding("G", "last", "Last", show=False, id="related_last"),
    ]

    class ArticleChosen(Message):
        """Entry ``position`` of the related articles in your feeds was chosen."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    class LinkChosen(Message):
        """A link the publisher listed was chosen (``url`` empty: it gave none)."""

        def __init__(self, url: str) -> None:
            super().__init__()
            self.url = url

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._links: dict[str, str] = {}  # option id -> publisher-declared link

    def on_mount(self) -> None:
        self.border_title = "Related"

    def show_loading(self) -> None:
        """Its entries are for the article before; the new ones come in a moment."""
        self.border_title = "Related …"

    def show(
        self,
        found: Sequence[RelatedArticle],
        groups: Sequence[tuple[str, Sequence[RelatedLink]]],
        *,
        waiting: bool = False,
    ) -> None:
        """``found`` in your feeds, then each of the publisher's groups of links; with nothing
        found, why (``waiting``: the article is not in the related index yet)."""
        from newsreader.ui.render import related_option

        self.border_title = "Related"
        self.clear_options()
        options: list[Option] = []
        if found:
            options.append(Option(Text("In your feeds", style="bold"), disabled=True))
            options += [related_option(item, n) for n, item in enumerate(found)]
        elif waiting:
            note = "Not in the related index yet: the next refresh (R) adds it"
            options.append(Option(Text(note, style="dim"), disabled=True))
        self._links = {}
        for g, (group, links) in enumerate(groups):
            options.append(Option(Text(group, style="bold"), disabled=True))
            for n, link in enumerate(links):
                label = Text()
                if link.label:
                    label.append(f"[{link.label}] ", style="dim")
                label.append(link.title or link.url)
                self._links[f"link:{g}:{n}"] = link.url
                options.append(Option(label, id=f"link:{g}:{n}"))
        if not options:
            options.append(Option(Text("No close match in your feeds", style="dim"), disabled=True))
        self.add_options(options)

    def highlight_article(self, position: int) -> None:
        """Highlight entry ``position`` of the related articles (-1: none)."""
        for i in range(self.option_count):
            if self.get_option_at_index(i).id == f"rel:{position}":
                self.highlighted = i
                return
        self.highlighted = None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option_id or ""
        if option_id.startswith("rel:"):
            self.post_message(self.ArticleChosen(int(option_id.split(":")[1])))
        elif option_id in self._links:
            self.post_message(self.LinkChosen(self._links[option_id]))
