"""Refreshing from the TUI: r the selected article's feed, R every feed, in a worker; the
header shows the progress, and new rows arrive above without moving the selection."""

from __future__ import annotations

import time
from typing import Any

from textual import work

from newsreader.library.views import PAGE, View, view_rows
from newsreader.models import UNREAD, ArticleRow, Feed
from newsreader.text.phrases import counted
from newsreader.text.sanitize import clean_line
from newsreader.ui.articlelist import ArticleList
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import (
    Notice,
    RefreshDone,
    RefreshFailed,
    RefreshListed,
    RefreshProgress,
    RefreshStage,
    StoreChanged,
    ViewReloaded,
)

LIST_UPDATE_SECONDS = 1.5
WATCH_SECONDS = 5.0  # how often the store is checked for another process's changes


class RefreshMixin(MainBase):
    """Mixed into the main screen: uses the library, the config, the list and the header."""

    _list_updated_at = 0.0  # when the list last took in rows a running refresh stored
    _store_marker: tuple[int, float] | None = None  # what the last watch of the store saw

    def action_refresh_feed(self) -> None:
        target = self._target()
        feed = next((f for f in self.feeds if target and f.id == target.feed_id), None)
        if feed is not None:
            self.run_refresh([feed], manual=True)

    def action_refresh_all(self) -> None:
        if self.config.sync is not None:  # the server first; then the store's own feeds
            self.start_sync()
            return
        self._refresh_all()

    @work(thread=True, exclusive=True, group="refresh-list", exit_on_error=False)
    def _refresh_all(self) -> None:
        feeds = self.library.feeds()
        self.post_message(RefreshListed(feeds))

    def on_refresh_listed(self, message: RefreshListed) -> None:
        self.run_refresh(message.feeds, False)

    def run_refresh(self, feeds: list[Feed], manual: bool = False) -> None:
        if self.refreshing:
            self.notify("a refresh is running", markup=False)
            return
        if not feeds:
            self.notify(
                "no feeds to refresh: f, or add one with 'newsreader add URL'", markup=False
            )
            return
        self.refreshing = f"refreshing 0/{len(feeds)}"
        self.update_header()
        self._refresh(feeds, manual)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _refresh(self, feeds: list[Feed], manual: bool) -> None:
        """Everything it says to the UI is posted: the refresh never waits on the screen."""
        import asyncio

        from newsreader.library.config import load
        from newsreader.library.refresh import RefreshStopped, options_from_config, refresh_until
        from newsreader.models import NewsreaderError

        done = [0]

        def progress(outcome: Any) -> None:
            done[0] += 1
            self.post_message(RefreshProgress(done[0], len(feeds)))

        try:
            config = load(self.locations.config_file)
        except NewsreaderError:
            config = self.config
        options = options_from_config(config, honour_schedule=not manual)
        from newsreader.library.ruling import config_ruleset

        for problem in config_ruleset(config).problems:  # the refresh goes on without them
            self.post_message(Notice(f"config: {problem}", "warning"))
        self.refresh_running.set()
        try:
            outcomes = asyncio.run(
                refresh_until(
                    self.refresh_stop, self.locations.database, feeds, options, progress,
                    indexing=lambda: self.post_message(RefreshStage("stored")),
                    searchable=lambda: self.post_message(RefreshStage("searchable")),
                )
            )  # fmt: skip
        except RefreshStopped:  # the reader is quitting: nothing to say
            return
        except NewsreaderError as exc:  # the indexing could not write (a full disk...)
            self.post_message(RefreshFailed(clean_line(str(exc))))
            return
        except Exception as exc:  # a bug: say so, and let the next refresh run
            message = f"refresh stopped: {type(exc).__name__}: {clean_line(str(exc))[:120]}"
            self.post_message(RefreshFailed(message))
            return
        finally:
            self.refresh_running.clear()
        self.post_message(RefreshDone(outcomes))

    def on_refresh_progress(self, message: RefreshProgress) -> None:
        self.refreshing = f"refreshing {message.done}/{message.total}"
        self.update_header()
        # the rows stored so far join the list, at most every LIST_UPDATE_SECONDS
        now = time.monotonic()
        if now - self._list_updated_at >= LIST_UPDATE_SECONDS:
            self._list_updated_at = now
            self._after_refresh()

    def on_refresh_stage(self, message: RefreshStage) -> None:
        if message.stage == "stored":
            # every feed is stored: the new rows are listed now, while search and related
            # articles are indexed (seconds for thousands of articles)
            self.refreshing = "indexing for search"
            self._after_refresh()
        else:  # search finds the new articles; their related articles come next
            self.refreshing = "indexing related"  # with "indexing for search", fits 80 columns
        self.update_header()

    def on_refresh_done(self, message: RefreshDone) -> None:
        outcomes = message.outcomes
        self.refreshing = ""
        new = sum(o.new for o in outcomes)
        failed = [o for o in outcomes if o.error]
        for outcome in failed[:3]:
            self.notify(
                f"{outcome.feed.display_title}: {outcome.error}", severity="error", markup=False
            )
        for problem in sorted({w for o in outcomes for w in o.warnings if w.startswith("rules[")}):
            self.notify(f"config: {problem}", severity="warning", markup=False)
        more = f", {len(failed)} failed (f shows which)" if failed else ""
        self.status(f"refreshed {counted(len(outcomes), 'feed')}: {new} new{more}")
        self._after_refresh()

    def on_refresh_failed(self, message: RefreshFailed) -> None:
        """What was stored stays stored and listed; the rest is done by the next refresh."""
        self.refreshing = ""
        self.notify(message.message, severity="error", markup=False)
        self.status(message.message)
        self._after_refresh()

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_store(self) -> None:
        """Every WATCH_SECONDS: has another process changed the store? (Its articles are
        listed, and the unread count follows, without a key.)"""
        if not self.locations.database.exists():  # a first run: the welcome screen makes it
            return
        marker = self.library.change_marker()
        self.post_message(StoreChanged(marker))
        if self.config.sync is not None:
            self.count_queued()

    def on_store_changed(self, message: StoreChanged) -> None:
        newest, fetched, unread = message.marker
        known, self._store_marker = self._store_marker, (newest, fetched)
        if self.refreshing:
            return  # our own refresh lists its rows as it goes
        if (known is not None and known != (newest, fetched)) or unread != self.unread_total:
            self._after_refresh()

    def stop_refresh(self, timeout: float = 10.0) -> bool:
        """Ask a running refresh to stop and wait until it has (the reader is quitting: at
        the interpreter's exit no thread may start new work). False if it did not in time."""
        self.refresh_stop.set()
        deadline = time.monotonic() + timeout
        while self.refresh_running.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self.refresh_running.is_set()

    def _after_refresh(self) -> None:
        """New rows arrive above: keep the selected row selected and where it was on screen.
        An article got ready before may have changed."""
        self.prefetched = None
        article_list = self.query_one(ArticleList)
        self._reload_after_refresh(
            self.view, article_list.current, article_list.cursor,
            article_list.scroll_offset.y, article_list.size.height,
        )  # fmt: skip

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def _reload_after_refresh(
        self, view: View, row: ArticleRow | None, cursor: int, top: int, height: int
    ) -> None:
        """Counts, the selected row's new position, and the rows the screen will show there:
        the list is redrawn at once, not through placeholders while its pages load again."""
        pages: dict[int, list[ArticleRow]] = {}
        with self.library.reading() as store:
            feeds, tags = store.feeds(), store.tags()
            unread = store.count(UNREAD)
            if view.rows is not None:
                total, position = len(view.rows), None
            else:
                total = store.count(view.filter)
                position = store.position_of(row.sort_key, row.id, view.filter) if row else None
                new_top = max(0, top + (cursor if position is None else position) - cursor)
                for number in range(new_top // PAGE, (new_top + height) // PAGE + 1):
                    if number * PAGE < total:
                        pages[number] = view_rows(store, view, number * PAGE)
        self.post_message(ViewReloaded(view, feeds, tags, unread, total, position, pages))

    def on_view_reloaded(self, message: ViewReloaded) -> None:
        self.feeds, self.tags, self.unread_total = message.feeds, message.tags, message.unread
        self.update_header()
        view, total, position = message.view, message.total, message.position
        if view is not self.view or view.rows is not None:
            return
        self.view_total = total
        loader = self._store_loader(view)
        article_list = self.query_one(ArticleList)
        old_cursor, old_top = article_list.cursor, article_list.scroll_offset.y
        cursor = old_cursor if position is None else position
        article_list.reset(total, loader, cursor, keep_scroll=True, pages=message.pages)
        article_list.scroll_to(y=old_top + (cursor - old_cursor), animate=False)
        if self.refreshing:  # (once it is over, the status line has the refresh's summary)
            self._empty_note(total)
