"""The related-articles sidebar: an option list that moves with the reader's keys."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList


class RelatedList(OptionList):
    """j/k (and g/G) move through the entries as they do in the list and the reader."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="related_down"),
        Binding("k", "cursor_up", "Up", show=False, id="related_up"),
        Binding("g", "first", "First", show=False, id="related_first"),
        Binding("G", "last", "Last", show=False, id="related_last"),
    ]
