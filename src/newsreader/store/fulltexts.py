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
    error: str = ""  # why the page gave no article (html and text are then empty)


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

    def full_text_failed(self, article_id: int, url: str, error: str) -> None:
        """The page gave no article: said on the article (a refresh does not try again; e
        does), never on its feed."""
        with self.write():
            self.db.execute(
                "INSERT OR REPLACE INTO full_texts (article_id, url, html, text, extracted_at,"
                " error) VALUES (?, ?, '', '', ?, ?)",
                (article_id, url, time.time(), error),
            )

    def wanting_full_text(self, feed_ids: list[int], since: float) -> list[tuple[int, str]]:
        """(id, link) of the articles of ``feed_ids`` stored since ``since`` that have no
        full text yet (nor a failure on record)."""
        marks = ",".join("?" * len(feed_ids))
        return self.db.execute(
            f"SELECT a.id, a.url FROM articles a WHERE a.feed_id IN ({marks})"
            " AND a.fetched_at >= ? AND a.url != ''"
            " AND NOT EXISTS (SELECT 1 FROM full_texts f WHERE f.article_id = a.id)",
            (*feed_ids, since),
        ).fetchall()

    def full_text(self, article_id: int) -> StoredFullText | None:
        row = self.db.execute(
            "SELECT article_id, url, html, text, extracted_at, error FROM full_texts"
            " WHERE article_id = ?",
            (article_id,),
        ).fetchone()
        return StoredFullText(*row) if row else None
