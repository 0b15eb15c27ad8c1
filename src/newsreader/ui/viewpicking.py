"""Choosing what the list shows: f picks a feed, a tag, unread or bookmarks; u toggles unread
only; / searches."""

from __future__ import annotations

from textual import work

from newsreader.library.views import View
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import PickerReady, SearchDone
from newsreader.ui.screens import PickerScreen, PromptScreen


class ViewsMixin(MainBase):
    """Mixed into the main screen: switches its view."""

    def action_toggle_unread(self) -> None:
        if self.view.rows is None:
            self.show_view(self.view.toggled_unread())

    def action_pick_view(self) -> None:
        self._list_for_picker()

    @work(thread=True, exclusive=True, group="picker", exit_on_error=False)
    def _list_for_picker(self) -> None:
        feeds, tags = self.library.feeds_and_tags()
        self.post_message(PickerReady(feeds, tags))

    def on_picker_ready(self, message: PickerReady) -> None:
        self.feeds, self.tags = message.feeds, message.tags
        self.app.push_screen(PickerScreen(message.feeds, message.tags), self._picked)

    def _picked(self, choice: str | None) -> None:
        if choice is None:
            return
        if choice == "all":
            self.show_view(View())
        elif choice == "unread":
            self.show_view(View(title="All articles", unread_only=True))
        elif choice == "bookmarks":
            self.action_bookmarks_view()
        elif choice.startswith("tag:"):
            self.show_view(tag_view(choice[4:]))
        elif choice.startswith("feed:"):
            feed = next((f for f in self.feeds if f.id == int(choice[5:])), None)
            if feed is not None:
                self.show_view(View(kind="feed", title=feed.display_title, feed_id=feed.id))

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


def tag_view(tag: str) -> View:
    return View(kind="tag", title=f"Tag {tag}", tag=tag)
