"""Bookmarks in the TUI: b toggles, B opens the Bookmarks view, the palette edits tags and
notes. The file is read and written only in workers (it takes a lock)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from textual import work

from newsreader.library.views import View
from newsreader.models import Article, ArticleRow, Bookmark
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import BookmarksChanged, BookmarksViewReady, Notice
from newsreader.ui.screens import PromptScreen


class BookmarksMixin(MainBase):
    """Mixed into the main screen: uses the app's bookmark file, the list and notifications."""

    def action_toggle_bookmark(self) -> None:
        target = self._target()
        if target is None:
            return
        if not target.url:  # a bookmark is kept by its link
            self.notify(f"no link to bookmark it by: {target.title}", markup=False)
            return
        self._toggle_bookmark(target.id, target.url, target.title)

    def _toggle_bookmark(self, article_id: int, url: str, title: str) -> None:
        marked = any(b.url == url for b in self.bookmarks)
        self._write_bookmark(article_id, url, title, marked)

    @work(thread=True, exclusive=True, group="bookmark", exit_on_error=False)
    def _write_bookmark(self, article_id: int, url: str, title: str, marked: bool) -> None:
        """Remove the bookmark of ``url`` if ``marked``, else add the article's snapshot."""
        if marked:
            bookmarks = self.bookmark_file.remove(url)
            message = f"bookmark removed: {title}"
        else:
            from newsreader.models import UsageError

            snapshot = None
            if article_id > 0:  # a row of a bookmark whose article left the store has none
                with contextlib.suppress(UsageError):  # removed since the list was read
                    snapshot = self.library.bookmark_snapshot(article_id)
            if snapshot is None:
                self.post_message(Notice("not bookmarked: the article is no longer stored"))
                return
            bookmarks = self.bookmark_file.add(snapshot)
            message = f"bookmarked: {title}"
        self.library.queue_star(url, not marked)  # a star on the sync server, if there is one
        self.post_message(BookmarksChanged(bookmarks, message))

    def on_bookmarks_changed(self, message: BookmarksChanged) -> None:
        self._set_bookmarks(message.bookmarks)
        self.notify(message.message, markup=False)
        for problem in self.bookmark_file.messages:
            self.notify(problem, severity="warning", markup=False)
        self.bookmark_file.messages.clear()

    def action_bookmarks_view(self) -> None:
        self._open_bookmarks()

    @work(thread=True, exclusive=True, group="bookmarks", exit_on_error=False)
    def _open_bookmarks(self) -> None:
        loaded = self.bookmark_file.load()
        bookmarks = loaded.bookmarks
        stored = self.library.bookmarked_rows([b.url for b in bookmarks])
        rows = [
            stored.get(bookmark.url) or _bookmark_row(bookmark, n)
            for n, bookmark in enumerate(bookmarks)
        ]
        rows.sort(key=lambda r: -(r.published or 0))
        view = View(kind="bookmarks", title="Bookmarks", rows=tuple(rows))
        # rows of bookmarks whose article left the store open from these snapshots
        snapshots = {-(n + 1): b for n, b in enumerate(bookmarks)}
        self.post_message(BookmarksViewReady(bookmarks, snapshots, view, loaded.problem))

    def on_bookmarks_view_ready(self, message: BookmarksViewReady) -> None:
        self._set_bookmarks(message.bookmarks)
        self.bookmark_snapshots = message.snapshots
        if message.problem:
            self.notify(message.problem, severity="error", markup=False)
        self.show_view(message.view)

    def edit_bookmark(self, field: str) -> None:
        url = self._target_url()
        bookmark = next((b for b in self.bookmarks if b.url == url), None)
        if bookmark is None:
            self.notify("the selected article is not bookmarked (b bookmarks it)", markup=False)
            return
        current = ", ".join(bookmark.tags) if field == "tags" else bookmark.note
        title = "Bookmark tags (comma-separated)" if field == "tags" else "Bookmark note"

        def save(value: str | None) -> None:
            self._save_bookmark_field(bookmark.url, field, value)

        self.app.push_screen(PromptScreen(title, value=current), save)

    @work(thread=True, exclusive=True, group="bookmark", exit_on_error=False)
    def _save_bookmark_field(self, url: str, field: str, value: str | None) -> None:
        if value is None:
            return
        if field == "tags":
            tags = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
            change: dict[str, Any] = {"tags": tags}
        else:
            change = {"note": value}
        bookmarks = self.bookmark_file.update(
            lambda items: [replace(b, **change) if b.url == url else b for b in items]
        )
        self.post_message(BookmarksChanged(bookmarks, f"bookmark {field} saved"))


def _bookmark_row(bookmark: Bookmark, index: int) -> ArticleRow:
    return ArticleRow(
        id=-(index + 1), feed_id=0, feed_title=bookmark.feed_title, title=bookmark.title,
        url=bookmark.url, published=bookmark.published, read=True,
    )  # fmt: skip


def _article_from_bookmark(bookmark: Bookmark) -> Article:
    note = f"\n\nNote: {bookmark.note}" if bookmark.note else ""
    return Article(
        guid=bookmark.url, url=bookmark.url, title=bookmark.title,
        authors=(bookmark.author,) if bookmark.author else (), published=bookmark.published,
        summary=bookmark.summary, body=bookmark.summary + note,
        body_format="text", text=bookmark.summary, captions=bookmark.captions,
        sources=bookmark.sources, read=True,
    )  # fmt: skip
