"""What the first screen shows, read from the store before the UI toolkit is imported, so the
first frame already has its rows and counts instead of drawing an empty list first.

Core code, no UI imports.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from newsreader.library.paths import Locations
from newsreader.library.views import View, view_rows
from newsreader.models import UNREAD, ArticleRow, NewsreaderError
from newsreader.store import Store


@dataclass(frozen=True, slots=True)
class FirstScreen:
    total: int  # articles in the first view (all articles, newest first)
    rows: list[ArticleRow]  # its first page
    unread: int


def read_first_screen(locations: Locations) -> FirstScreen | None:
    """The first view's count and first page, and the unread count (all read from
    indexes, so fast at any size); None when there is no store yet or it cannot be
    read now (the app then reads in its workers, and reports what is wrong)."""
    if not locations.database.exists():
        return None
    try:
        with Store(locations.database, readonly=True) as store:
            if not store.schema_ready():  # being created, or to be upgraded
                return None
            total = store.count()
            rows = view_rows(store, View(), 0) if total else []
            return FirstScreen(total, rows, store.count(UNREAD))
    except (NewsreaderError, sqlite3.Error):
        return None
