"""The key bar: the keys that apply now, drawn as one line of text.

Textual's Footer rebuilds one widget per key on every focus change; opening an article moves the
focus, so that rebuild was most of the time an open took. This bar redraws one line instead.
Keys whose action is disabled (``check_action`` returns False) are not shown.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        key_style = self.get_component_rich_style("keybar--key")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        seen: set[str] = set()
        palette = ""
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.action == "command_palette":
                palette = self.app.get_key_display(binding)
            if not binding.show or not enabled or binding.description in seen:
                continue
            seen.add(binding.description)
            text.append(f" {self.app.get_key_display(binding)} ", style=key_style)
            text.append(f"{binding.description} ")
        if palette:
            text.append(f" {palette} ", style=key_style)
            text.append("palette")
        self.update(text)
