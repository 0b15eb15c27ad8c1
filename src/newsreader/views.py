"""What the article list shows: a view (all, unread, a feed, a tag) and its rows by position.

Core code, no UI imports. The list asks for rows by position because it draws only the lines on
screen; positions are served from the store's ``(sort_key, id)`` index, never by loading every
row. Search results and bookmarks are fixed lists held in memory (at most a few hundred rows).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from newsreader.models import ArticleRow

PAGE = 100  # rows the list reads from the store at a time


@dataclass(frozen=True, slots=True)
class View:
    kind: str = "all"  # all | feed | tag | search | bookmarks
    title: str = "All articles"
    feed_id: int | None = None
    tag: str | None = None
    query: str = ""
    unread_only: bool = False
    rows: tuple[ArticleRow, ...] | None = None  # fixed rows (search, bookmarks)

    @property
    def label(self) -> str:
        return f"{self.title} (unread)" if self.unread_only and self.rows is None else self.title

    def toggled_unread(self) -> View:
        return replace(self, unread_only=not self.unread_only)
