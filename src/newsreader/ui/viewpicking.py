"""Choosing what the list shows: f picks a feed, a tag, unread or bookmarks; u toggles unread
only; / searches."""

from __future__ import annotations

from pathlib import Path

from textual import work

from newsreader.library.config import Config
from newsreader.library.views import View
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import Notice, PickerReady, SearchDone
from newsreader.ui.screens import PickerScreen, PromptScreen


class ViewsMixin(MainBase):
    """Mixed into the main screen: switches its view."""

    saved_views: dict[str, View]  # the picker's saved searches, by their option's id (set by f)

    def action_toggle_unread(self) -> None:
        if self.view.rows is None:
            self.show_view(self.view.toggled_unread())

    def action_pick_view(self) -> None:
        self._list_for_picker()

    @work(thread=True, exclusive=True, group="picker", exit_on_error=False)
    def _list_for_picker(self) -> None:
        from newsreader.library.saved import saved_searches

        feeds, tags = self.library.feeds_and_tags()
        config = load_or_keep(self.locations.config_file, self.config)  # a search saved since
        searches, problems = saved_searches(config.raw)
        for problem in problems:
            self.post_message(Notice(f"config: {problem}", "warning"))
        saved = [(s.name, v, u, t) for s, v, u, t in self.library.saved_counts(searches)]
        self.post_message(PickerReady(feeds, tags, saved))

    def on_picker_ready(self, message: PickerReady) -> None:
        self.feeds, self.tags = message.feeds, message.tags
        self.saved_views = {
            f"saved:{n}": view for n, (_s, view, _u, _t) in enumerate(message.saved)
        }
        counts = [(name, unread, total) for name, _v, unread, total in message.saved]
        self.app.push_screen(PickerScreen(message.feeds, message.tags, counts), self._picked)

    def _picked(self, choice: str | None) -> None:
        if choice is None:
            return
        if choice == "all":
            self.show_view(View())
        elif choice == "unread":
            self.show_view(View(title="All articles", unread_only=True))
        elif choice == "bookmarks":
            self.action_bookmarks_view()
        elif choice in self.saved_views:
            self.show_view(self.saved_views[choice])
        elif choice.startswith("tag:"):
            self.show_view(tag_view(choice[4:]))
        elif choice.startswith("feed:"):
            feed = next((f for f in self.feeds if f.id == int(choice[5:])), None)
            if feed is not None:
                self.show_view(View(kind="feed", title=feed.display_title, feed_id=feed.id))

    def save_search(self) -> None:
        """The palette's "Save this search": asks for a name, writes it to config.toml."""
        query = self.view.query
        prompt = PromptScreen("Save the search as", "a name for the picker (f)")

        def chosen(name: str | None) -> None:
            if name:
                self._save_search(name, query)

        self.app.push_screen(prompt, chosen)

    @work(thread=True, exclusive=True, group="save_search", exit_on_error=False)
    def _save_search(self, name: str, query: str) -> None:
        """A name already used or a config that cannot be written is the worker's error line."""
        from newsreader.library.saved import add_saved

        add_saved(self.locations.config_file, name, query)
        self.post_message(Notice(f"saved {name!r}: f lists it with its counts"))

    def action_search(self) -> None:
        prompt = PromptScreen("Search", 'words, "a phrase", pre*, a OR b')
        self.app.push_screen(prompt, self._search)

    def _search(self, query: str | None) -> None:
        if query:
            self._run_search(query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _run_search(self, query: str) -> None:
        """A query the index cannot take raises: the worker's error line says why."""
        rows, _pending = self.library.search(query, limit=500)
        view = View(kind="search", title=f"Search: {query}", query=query, rows=tuple(rows))
        self.post_message(SearchDone(view))

    def on_search_done(self, message: SearchDone) -> None:
        self.show_view(message.view)


def load_or_keep(config_file: Path, config: Config) -> Config:
    """config.toml read again (a saved search was added); the config in use if it fails."""
    from newsreader.library.config import load
    from newsreader.models import NewsreaderError

    try:
        return load(config_file)
    except NewsreaderError:
        return config


def tag_view(tag: str) -> View:
    return View(kind="tag", title=f"Tag {tag}", tag=tag)
