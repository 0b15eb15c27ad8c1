"""The subscribed feeds: added, found, removed, and what each refresh recorded on them."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from newsreader.models import Feed, UsageError, is_id
from newsreader.store import codec, postings, searchindex
from newsreader.store.connection import Connection
from newsreader.text.sanitize import redact_credentials


class FeedRecords(Connection):
    def add_feed(self, url: str, title: str = "", tags: Sequence[str] = ()) -> Feed:
        with self.write():
            try:
                self.db.execute(
                    "INSERT INTO feeds (url, user_title, tags, added_at) VALUES (?, ?, ?, ?)",
                    (url, title, json.dumps(list(tags), ensure_ascii=False), time.time()),
                )
            except sqlite3.IntegrityError:
                raise UsageError(f"already subscribed: {redact_credentials(url)}") from None
        feed = self.feed_by_url(url)
        assert feed is not None
        return feed

    def remove_feed(self, url_or_id: str) -> Feed:
        feed = self.find_feed(url_or_id)
        with self.write():
            self.db.execute("DELETE FROM articles WHERE feed_id = ?", (feed.id,))
            self.db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
            if self.indexes:  # out of both indexes at once (a refresh's worker: the index job)
                postings.take_out_gone(self.db)
                searchindex.take_out_gone(self.db)
        return feed

    def find_feed(self, key: str) -> Feed:
        """A feed by id, URL or title (exact, then case-insensitive)."""
        if is_id(key):
            feed = self.feed_by_id(int(key))
            if feed:
                return feed
        feed = self.feed_by_url(key)
        if feed:
            return feed
        matches = [f for f in self.feeds() if f.display_title.lower() == key.lower()]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UsageError(f"more than one feed is called {key!r}: use its URL or id")
        raise UsageError(f"no such feed: {redact_credentials(key)}")

    def _feed_query(self, where: str = "", params: Sequence[Any] = ()) -> list[Feed]:
        rows = self.db.execute(
            f"""SELECT f.id, f.url, CASE WHEN f.user_title != '' THEN f.user_title ELSE f.title END,
                   f.site_url, f.tags, f.etag, f.last_modified, f.last_fetched, f.last_error,
                   f.error_count, f.next_fetch_after,
                   (SELECT count(*) FROM articles a WHERE a.feed_id = f.id),
                   (SELECT count(*) FROM articles a WHERE a.feed_id = f.id AND a.read = 0)
                FROM feeds f {where} ORDER BY f.id""",
            params,
        ).fetchall()
        return [
            Feed(
                id=r[0], url=r[1], title=r[2], site_url=r[3], tags=codec.json_list(r[4]), etag=r[5],
                last_modified=r[6], last_fetched=r[7], last_error=r[8], error_count=r[9],
                next_fetch_after=r[10], article_count=r[11], unread_count=r[12],
            )
            for r in rows
        ]  # fmt: skip

    def feeds(self) -> list[Feed]:
        return self._feed_query()

    def feed_by_id(self, feed_id: int) -> Feed | None:
        found = self._feed_query("WHERE f.id = ?", (feed_id,))
        return found[0] if found else None

    def feed_by_url(self, url: str) -> Feed | None:
        found = self._feed_query("WHERE f.url = ?", (url,))
        return found[0] if found else None

    def feed_body_hash(self, feed_id: int) -> str:
        row = self.db.execute("SELECT body_hash FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return row[0] if row else ""

    def record_error(
        self,
        feed_id: int,
        message: str,
        *,
        retry_at: float | None = None,
        when: float | None = None,
    ) -> None:
        """A failed refresh: the message is kept on the feed; its articles are untouched."""
        with self.write():
            self.db.execute(
                "UPDATE feeds SET last_error = ?, error_count = error_count + 1, last_fetched = ?,"
                " next_fetch_after = ? WHERE id = ?",
                (message, when or time.time(), retry_at, feed_id),
            )

    def record_unchanged(
        self,
        feed_id: int,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        when: float | None = None,
    ) -> None:
        """A refresh that found nothing new (304, or the same body as last time)."""
        self.record_unchanged_many([(feed_id, etag, last_modified)], when=when)

    def record_unchanged_many(
        self, feeds: Sequence[tuple[int, str | None, str | None]], *, when: float | None = None
    ) -> None:
        """Many feeds that had nothing new, in one transaction: (feed id, etag, last-modified)."""
        now = when or time.time()
        with self.write():
            self.db.executemany(
                """UPDATE feeds SET last_error = NULL, error_count = 0, last_fetched = ?,
                       etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),
                       next_fetch_after = CASE WHEN ttl_minutes IS NULL THEN NULL
                                          ELSE ? + ttl_minutes * 60 END
                   WHERE id = ?""",
                [(now, etag or None, modified or None, now, fid) for fid, etag, modified in feeds],
            )

    def move_feed(self, feed_id: int, new_url: str) -> bool:
        """A permanent redirect: the feed's URL becomes the new one (unless another feed has it)."""
        with self.write():
            taken = self.db.execute("SELECT 1 FROM feeds WHERE url = ?", (new_url,)).fetchone()
            if taken:
                return False
            self.db.execute("UPDATE feeds SET url = ? WHERE id = ?", (new_url, feed_id))
        return True
