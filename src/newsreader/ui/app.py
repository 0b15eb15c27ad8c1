"""The Textual application: the services, theme, keymap and palette around the main screen.

The app holds what outlives a screen — the library (the core's front door), the config, the
bookmarks file, the theme and the keymap — and hands them down to :class:`MainScreen`, which
owns the panes and the workers. Every binding has an id, so config.toml ``[keys]`` rebinds
it; the help screen, the footer and the palette read the live bindings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingsMap
from textual.screen import Screen

from newsreader.library import Library
from newsreader.library.config import Config
from newsreader.library.paths import Locations, styles_dir
from newsreader.library.state import load_state, save_state
from newsreader.library.views import View
from newsreader.ui.articlelist import ArticleList
from newsreader.ui.mainscreen import MainScreen
from newsreader.ui.markup import markup_literal
from newsreader.ui.viewpicking import tag_view

if TYPE_CHECKING:
    from newsreader.bookmarks import BookmarkFile
    from newsreader.library.firstscreen import FirstScreen


class NewsreaderApp(App[None]):
    TITLE = "newsreader"
    CSS_PATH = str(styles_dir() / "app.tcss")

    def __init__(
        self,
        locations: Locations,
        config: Config,
        demo: bool = False,
        first_screen: FirstScreen | None = None,
        library: Library | None = None,
    ) -> None:
        """``first_screen``: the first view's count, rows and unread count, read already;
        ``library``: the core's front door (by default on ``locations``' data directory)."""
        # NO_COLOR: Textual's own monochrome still draws 256-colour greys; with the terminal's
        # ANSI colours its NoColor filter draws none, and the styles mark by reverse and bold
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.locations = locations
        self.library = library or Library(locations)
        self.config = config
        self.demo = demo
        self.first_screen = first_screen
        self.open_url_hook = self.open_url  # tests replace it: no browser starts
        self._main: MainScreen | None = None
        self._bookmark_file: BookmarkFile | None = None
        self._mounted = False  # the theme is saved only once the user can choose one
        theme = config.theme or load_state(self.state_file).get("theme", "")
        if theme in self.available_themes:
            self.theme = theme
        if config.keys:
            self.set_keymap(dict(config.keys))

    def get_default_screen(self) -> Screen[Any]:
        first, self.first_screen = self.first_screen, None
        self._main = MainScreen(
            self.library, self.config, self.locations, demo=self.demo, first_screen=first
        )
        return self._main

    @property
    def main(self) -> MainScreen:
        """The main screen (the list, the reader, the sidebar), once the app runs."""
        if self._main is None:
            raise RuntimeError("the app is not running: it has no main screen yet")
        return self._main

    @property
    def bookmark_file(self) -> BookmarkFile:
        if self._bookmark_file is None:
            from newsreader.bookmarks import BookmarkFile

            self._bookmark_file = BookmarkFile(self.locations.bookmarks_file)
        return self._bookmark_file

    @property
    def state_file(self) -> Any:
        return self.locations.data_dir / "state.json"

    def on_mount(self) -> None:
        self._mounted = True

    def watch_theme(self, theme: str) -> None:
        if self._mounted:  # chosen by the user, not the config's theme set at construction
            save_state(self.state_file, theme=theme)

    # -- keys -----------------------------------------------------------------------
    def key_help(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for every binding with an id, as bound now."""
        rows: dict[str, tuple[list[str], str]] = {}
        for suffix, node in self._binding_owners().items():
            live = BindingsMap()
            live.key_to_bindings = {k: list(v) for k, v in node._bindings.key_to_bindings.items()}
            live.apply_keymap(self._keymap)
            for key, bindings in live.key_to_bindings.items():
                for binding in bindings:
                    if binding.id:
                        label = (binding.description or binding.action) + suffix
                        keys, _ = rows.setdefault(label, ([], binding.id))
                        keys.append(self.get_key_display(Binding(key, "")))
        return [(", ".join(dict.fromkeys(k)), label, i) for label, (k, i) in rows.items()]

    def _binding_owners(self) -> dict[str, Any]:
        main = self.main
        return {
            "": main,
            " (list)": main.query_one(ArticleList),
            " (reader)": main.query_one("#reader"),
        }

    def check_keymap(self) -> None:
        """config.toml ``[keys]`` naming no binding is said, once, at start."""
        known = {
            b.id
            for node in self._binding_owners().values()
            for bindings in node._bindings.key_to_bindings.values()
            for b in bindings
            if b.id
        }
        unknown = sorted(set(self.config.keys) - known)
        if unknown:
            self.notify(
                f"config.toml [keys]: no binding with the id {', '.join(unknown)} (? lists them)",
                severity="warning",
                markup=False,
            )

    # -- palette --------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        live_keys = {binding_id: keys for keys, _label, binding_id in self.key_help()}
        for binding in MainScreen.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.id and not binding.id.startswith("open_link"):
                action = binding.action
                keys = live_keys.get(binding.id, binding.key)  # as rebound in config.toml
                yield SystemCommand(
                    binding.description,
                    markup_literal(f"{binding.description} ({keys})"),
                    lambda a=action: self.run_action(a, main),
                )
        if main.view.kind == "search" and main.view.query:
            yield SystemCommand(
                "Save this search",
                "as a saved search in config.toml, listed in f with its counts",
                main.save_search,
            )
        yield SystemCommand(
            "Bookmark: edit tags",
            "Tags of the selected bookmark",
            lambda: main.edit_bookmark("tags"),
        )
        yield SystemCommand(
            "Bookmark: edit note",
            "Note of the selected bookmark",
            lambda: main.edit_bookmark("note"),
        )
        for feed in main.feeds:
            # the palette reads command names as markup: feed titles and tags are escaped
            yield SystemCommand(
                f"Go to feed: {markup_literal(feed.display_title)}",
                f"{feed.unread_count} unread of {feed.article_count}",
                lambda f=feed: main.show_view(
                    View(kind="feed", title=f.display_title, feed_id=f.id)
                ),
            )
        for tag in main.tags:
            yield SystemCommand(
                f"Go to tag: {markup_literal(tag)}",
                "feeds with this tag",
                lambda t=tag: main.show_view(tag_view(t)),
            )
