"""What the article list shows: a view (all, unread, a feed, a tag, a saved search) and its
rows by position.

Core code, no UI imports. The list asks for rows by position because it draws only the lines on
screen; positions are served from the store's ``(sort_key, id)`` index, never by loading every
row. Search results and bookmarks are fixed lists held in memory (at most a few hundred rows).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from newsreader.models import ArticleRow, ViewFilter

if TYPE_CHECKING:
    from newsreader.store import Store

PAGE = 100  # rows the list reads from the store at a time


@dataclass(frozen=True, slots=True)
class View:
    kind: str = "all"  # all | feed | tag | saved | search | bookmarks
    title: str = "All articles"
    feed_id: int | None = None
    tag: str | None = None
    query: str = ""
    unread_only: bool = False
    rows: tuple[ArticleRow, ...] | None = None  # fixed rows (search, bookmarks)
    saved: ViewFilter | None = None  # a saved search's filter (its unread: unread_only)

    @property
    def label(self) -> str:
        return f"{self.title} (unread)" if self.unread_only and self.rows is None else self.title

    @property
    def filter(self) -> ViewFilter:
        """Which stored articles the view lists (a fixed view's rows are not among them)."""
        if self.saved is not None:
            return replace(self.saved, unread_only=self.unread_only)
        return ViewFilter(self.feed_id, self.tag, self.unread_only)

    def toggled_unread(self) -> View:
        return replace(self, unread_only=not self.unread_only)


def view_rows(
    store: Store, view: View, offset: int, limit: int = PAGE,
    after: tuple[float, int] | None = None,
) -> list[ArticleRow]:  # fmt: skip
    """Rows of a stored view (all, a feed, a tag, unread) by position."""
    return store.rows_at(offset, limit, view.filter, after=after)
