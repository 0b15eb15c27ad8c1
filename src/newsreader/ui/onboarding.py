"""The first run: the welcome screen's choices, adding a feed by URL (checked as
``newsreader add`` checks it) and importing OPML or a newsboat urls file."""

from __future__ import annotations

from textual import work

from newsreader.text.phrases import counted
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import FeedsAdded, Notice
from newsreader.ui.screens import PromptScreen, WelcomeScreen


class OnboardingMixin(MainBase):
    """Mixed into the main screen: uses the library and the refresh."""

    def _welcome_choice(self, choice: str | None) -> None:
        if choice == "add":
            self.app.push_screen(
                PromptScreen(
                    "Add a feed", "https://example.org/feed.xml or a folder", check=_check_feed
                ),
                self._add_feed_given,
            )
        elif choice == "import":
            self.app.push_screen(
                PromptScreen("Import OPML or newsboat urls", "path/to/file", check=_check_file),
                self._import_file_given,
            )

    def _add_feed_given(self, url: str | None) -> None:
        self._add_feed(url)

    def _import_file_given(self, path: str | None) -> None:
        self._import_feeds(path)

    @work(thread=True, exclusive=True, group="add", exit_on_error=False)
    def _add_feed(self, url: str | None) -> None:
        if not url:
            self.post_message(Notice("", welcome_again=True))
            return
        from newsreader.models import NewsreaderError

        try:
            feed = self.library.subscribe(url)
        except NewsreaderError as exc:
            self.post_message(Notice(str(exc), severity="error"))
            return
        self.post_message(FeedsAdded([feed]))

    @work(thread=True, exclusive=True, group="add", exit_on_error=False)
    def _import_feeds(self, path: str | None) -> None:
        if not path:
            self.post_message(Notice("", welcome_again=True))
            return
        from pathlib import Path

        from newsreader.library.opml import read_subscription_file
        from newsreader.models import NewsreaderError

        try:
            result = read_subscription_file(Path(path))
            added = self.library.import_subscriptions(result.subscriptions)
        except (NewsreaderError, OSError) as exc:
            self.post_message(Notice(f"cannot import {path}: {exc}", severity="error"))
            return
        self.post_message(FeedsAdded(added))

    def on_feeds_added(self, message: FeedsAdded) -> None:
        feeds = message.feeds
        self.notify(f"added {counted(len(feeds), 'feed')}; refreshing", markup=False)
        self.feeds = [*self.feeds, *feeds]
        self.run_refresh(feeds, manual=True)

    def on_notice(self, message: Notice) -> None:
        if message.text:
            self.notify(message.text, severity=message.severity, markup=False)
        if message.welcome_again:
            self.app.push_screen(WelcomeScreen(), self._welcome_choice)


def _check_feed(value: str) -> str:
    """The rule of ``newsreader add``: an http(s) URL, or an existing file or folder."""
    from newsreader.models import UsageError
    from newsreader.sources.kind import normalise_source

    if not value:
        return "type a feed URL or a path"
    try:
        normalise_source(value)
    except UsageError as exc:
        return str(exc)
    return ""


def _check_file(value: str) -> str:
    from pathlib import Path

    return "" if value and Path(value).expanduser().is_file() else "no such file"
