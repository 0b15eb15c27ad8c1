"""Sync from the TUI: R syncs with the server in a worker (then refreshes the feeds the server
does not own), and the header says how many actions wait for the server. Nothing waits on the
server: marks are queued in the store and the screen goes on."""

from __future__ import annotations

import threading

from textual import work

from newsreader.text.sanitize import clean_line
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import SyncDone, SyncQueued


class SyncMixin(MainBase):
    """Mixed into the main screen: uses the library, the config, the bookmarks and the header."""

    queued_actions = 0  # actions waiting for the sync server (shown in the header)

    def start_sync(self) -> None:
        if self.refreshing:
            self.notify("a refresh is running", markup=False)
            return
        self.refreshing = "syncing"
        self.update_header()
        self._sync()

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _sync(self) -> None:
        """The sync runs in a thread of its own that the reader does not wait for when it
        quits (a server that hangs would hold the exit for its whole timeout); what it was
        writing is one transaction, rolled back, and what waited stays queued."""
        from newsreader.sync.engine import SyncReport, describe

        settings = self.config.sync
        assert settings is not None
        reports: list[SyncReport] = []
        finished = threading.Event()

        def run() -> None:
            try:
                reports.append(self.library.sync(settings, self.bookmark_file))
            except Exception as exc:  # the store could not be opened...: said, never lost
                reports.append(SyncReport(error=f"sync: {clean_line(str(exc))[:160]}"))
            finally:
                finished.set()

        self.refresh_running.set()
        try:
            threading.Thread(target=run, name="sync", daemon=True).start()
            while not finished.wait(0.1):
                if self.refresh_stop.is_set():
                    return  # the reader is quitting
        finally:
            self.refresh_running.clear()
        if not reports:
            return
        report = reports[0]
        owned = self.library.server_feed_urls()
        local = [f for f in self.library.feeds() if f.url not in owned]
        self.post_message(SyncDone(describe(report, settings), report, local))

    def on_sync_done(self, message: SyncDone) -> None:
        report = message.report
        self.refreshing = ""
        self.queued_actions = report.queued
        for line in report.log[:3]:
            self.notify(line, severity="warning", markup=False)
        if report.error:
            self.notify(message.line, severity="error", markup=False)
        self.status(message.line)
        if report.bookmarked or report.unbookmarked:
            self._set_bookmarks(self.bookmark_file.load().bookmarks)
        self._after_refresh()
        if message.local_feeds:  # feeds of the store's own (folders, feeds kept here)
            self.run_refresh(message.local_feeds)

    @work(thread=True, exclusive=True, group="sync-queue", exit_on_error=False)
    def count_queued(self) -> None:
        self.post_message(SyncQueued(self.library.queued_actions()))

    def on_sync_queued(self, message: SyncQueued) -> None:
        if message.queued != self.queued_actions:
            self.queued_actions = message.queued
            self.update_header()
