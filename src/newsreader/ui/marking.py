"""Read state from the keys: m toggles, n / p go to the next or previous unread article,
A marks the view read (asked first, with how many), U undoes that once."""

from __future__ import annotations

from dataclasses import replace

from textual import work

from newsreader.library.views import View
from newsreader.models import ArticleRow
from newsreader.text.phrases import counted
from newsreader.ui.articlelist import ArticleList
from newsreader.ui.mainbase import MainBase
from newsreader.ui.messages import (
    MarkUndone,
    MarkViewCounted,
    ReadChanged,
    UnreadFound,
    ViewMarkedRead,
)
from newsreader.ui.screens import ConfirmScreen


class MarkingMixin(MainBase):
    """Mixed into the main screen: uses its list, view, open article and header."""

    def action_next_unread(self) -> None:
        self._jump_unread(self.view, self._current_row(), True)

    def action_prev_unread(self) -> None:
        self._jump_unread(self.view, self._current_row(), False)

    @work(thread=True, exclusive=True, group="unread", exit_on_error=False)
    def _jump_unread(self, view: View, row: ArticleRow | None, forward: bool) -> None:
        if view.rows is not None:
            rows = list(view.rows)
            start = rows.index(row) if row in rows else -1
            indices = range(start + 1, len(rows)) if forward else range(start - 1, -1, -1)
            hit = next(((i, rows[i]) for i in indices if not rows[i].read), None)
        else:
            key = (
                (row.sort_key, row.id)
                if row
                else ((float("inf"), 0) if forward else (float("-inf"), 0))
            )
            hit = self.library.next_unread(view, key, forward)
        self.post_message(UnreadFound(hit))

    def on_unread_found(self, message: UnreadFound) -> None:
        if message.hit is None:
            self.notify("No more unread articles in this view", markup=False)
            return
        index, row = message.hit
        self.query_one(ArticleList).move_to(index)
        self.open_row(row)

    def action_toggle_read(self) -> None:
        target = self._target()
        if target is not None:
            self._set_read_by_id(target.id, not target.read)

    @work(thread=True, exit_on_error=False)
    def _set_read_by_id(self, article_id: int, read: bool) -> None:
        changed = 0
        if article_id > 0:
            changed, _unread = self.library.set_read([article_id], read)
        self.post_message(ReadChanged(article_id, read, changed))

    def on_read_changed(self, message: ReadChanged) -> None:
        """An article's read state changed: its row, the open article and the header's
        unread count follow, whether the row is on screen or not."""
        article_id, read, changed = message.article_id, message.read, message.changed
        if self.article is not None and self.article.id == article_id:
            self.article = replace(self.article, read=read)
        ready = self.prefetched
        if ready is not None and ready.article.id == article_id:
            self.prefetched = replace(ready, article=replace(ready.article, read=read))
        self.query_one(ArticleList).set_read(article_id, read)
        if changed:  # never below 0, whatever another process did meanwhile
            self.unread_total = max(0, self.unread_total + (-changed if read else changed))
            self.update_header()

    def action_mark_view_read(self) -> None:
        """A asks first, with how many it would mark; U undoes it once."""
        self._count_view_unread(self.view)

    @work(thread=True, exclusive=True, group="mark", exit_on_error=False)
    def _count_view_unread(self, view: View) -> None:
        if view.rows is not None:
            unread = sum(1 for r in view.rows if not r.read and r.id > 0)
        else:
            unread = self.library.count(replace(view, unread_only=True))
        self.post_message(MarkViewCounted(view, unread))

    def on_mark_view_counted(self, message: MarkViewCounted) -> None:
        view = message.view
        if not message.unread:
            self.notify(f"nothing unread in {view.label}", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._mark_view_read(view)

        question = f"Mark {counted(message.unread, 'unread article')} in {view.label} read?"
        self.app.push_screen(ConfirmScreen(question), answered)

    @work(thread=True, exclusive=True, group="mark", exit_on_error=False)
    def _mark_view_read(self, view: View) -> None:
        ids, unread = self.library.mark_view_read(view)
        self.post_message(ViewMarkedRead(view, ids, unread))

    def on_view_marked_read(self, message: ViewMarkedRead) -> None:
        view = message.view
        self.unread_total = message.unread
        self.marked_read = message.ids
        self.prefetched = None  # read now, as the rest of the view
        self.notify(
            f"marked {counted(len(message.ids), 'article')} read in {view.label} (U undoes it)",
            markup=False,
        )
        if view.rows is not None:
            view = replace(view, rows=tuple(replace(r, read=True) for r in view.rows))
        self.show_view(view, cursor=self.query_one(ArticleList).cursor)

    def action_undo_mark_read(self) -> None:
        ids, self.marked_read = self.marked_read, []
        if not ids:
            self.notify("nothing to undo: A marks a view read, U undoes that once", markup=False)
            return
        self._undo_mark_read(ids)

    @work(thread=True, exclusive=True, group="mark", exit_on_error=False)
    def _undo_mark_read(self, ids: list[int]) -> None:
        changed, unread = self.library.set_read(ids, False)
        self.post_message(MarkUndone(changed, unread))

    def on_mark_undone(self, message: MarkUndone) -> None:
        self.unread_total = message.unread
        self.prefetched = None
        self.notify(f"{counted(message.changed, 'article')} unread again", markup=False)
        self._after_refresh()  # the rows show their state again, the selection kept
