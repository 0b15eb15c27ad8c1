"""The articles' full text, extracted from their pages: stored beside the feed's body (which
stays: ``e`` goes back to it), and indexed in its place so that search and related articles
see the whole article."""

from __future__ import annotations

import time
from dataclasses import dataclass

from newsreader.store.connection import Connection
from newsreader.store.indexing import STORED_TEXT_CHARS


@dataclass(frozen=True, slots=True)
class StoredFullText:
    article_id: int
    url: str  # the page it was extracted from
    html: str
    text: str
    extracted_at: float


class FullTexts(Connection):
    def store_full_text(self, article_id: int, url: str, html: str, text: str) -> None:
        """Keep the extracted article; its text replaces the feed's in both indexes (the
        full-text one by the update trigger, the related one by indexing it again)."""
        with self.write():
            self.db.execute(
                "INSERT OR REPLACE INTO full_texts (article_id, url, html, text, extracted_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (article_id, url, html, text, time.time()),
            )
            self.db.execute(
                "UPDATE articles SET text = ? WHERE id = ?", (text[:STORED_TEXT_CHARS], article_id)
            )
            self.db.execute(
                "INSERT OR IGNORE INTO related_pending (article_id) SELECT id FROM articles"
                " WHERE id = ? AND indexed = 1",
                (article_id,),
            )

    def full_text(self, article_id: int) -> StoredFullText | None:
        row = self.db.execute(
            "SELECT article_id, url, html, text, extracted_at FROM full_texts WHERE article_id = ?",
            (article_id,),
        ).fetchone()
        return StoredFullText(*row) if row else None
