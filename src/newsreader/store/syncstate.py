"""What sync with a server keeps in the store: the account the store follows, the server's ids
of feeds and articles (beside ours) with the read and starred state the server had when last
seen, and the queue of actions made here and not yet sent.

A mark written while the store follows an account is queued in the same transaction as the
change itself (:meth:`ArticleRecords.set_read` calls :meth:`queue_marks`): a crash, a dead
server or a closed laptop never lose one."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from newsreader.store.connection import Connection

ACTIONS = ("read", "unread", "star", "unstar", "subscribe", "unsubscribe")


@dataclass(frozen=True, slots=True)
class QueuedAction:
    id: int
    action: str  # one of ACTIONS
    target: str  # an article's remote id; a feed's URL (subscribe) or remote id (unsubscribe)
    at: float  # when it was done here


@dataclass(frozen=True, slots=True)
class SyncedArticle:
    article_id: int
    remote_id: str
    feed_id: int
    read: bool  # here
    server_read: bool  # as the server had it at the last sync
    server_starred: bool
    url: str


class SyncState(Connection):
    # -- the account ---------------------------------------------------------------------
    def sync_memory(self) -> dict[str, str]:
        """What the last sync left for the next (cursors, counters, the session)."""
        return dict(self.db.execute("SELECT key, value FROM sync_meta WHERE key != 'account'"))

    def sync_value(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM sync_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_sync_values(self, **values: str) -> None:
        with self.write():
            self.db.executemany(
                "INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)", values.items()
            )

    def follows_account(self) -> bool:
        """Whether marks made here are queued for a server."""
        return bool(self.sync_value("account"))

    def start_following(self, account: str) -> bool:
        """Follow ``account`` (service, URL and user); when the store followed another one,
        its server ids, state and queue mean nothing here and are dropped. True when the
        store follows this account for the first time."""
        if self.sync_value("account") == account:
            return False
        with self.write():
            for table in ("sync_meta", "sync_feeds", "sync_articles", "sync_queue"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("INSERT INTO sync_meta (key, value) VALUES ('account', ?)", (account,))
        return True

    # -- the queue -----------------------------------------------------------------------
    def queue_marks(self, action: str, article_ids: Sequence[int], at: float | None = None) -> int:
        """Queue ``action`` (read, unread, star, unstar) for those of ``article_ids`` the
        server knows; call it inside the write that changes them. How many were queued."""
        if not article_ids or not self.follows_account():
            return 0
        queued = 0
        when = time.time() if at is None else at
        for start in range(0, len(article_ids), 500):
            chunk = list(article_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            queued += self.db.execute(
                "INSERT INTO sync_queue (action, target, at) SELECT ?, remote_id, ?"
                f" FROM sync_articles WHERE article_id IN ({marks})",
                (action, when, *chunk),
            ).rowcount
        return queued

    def queue(self, action: str, target: str, at: float | None = None) -> None:
        """Queue one action (subscribe, unsubscribe; star or unstar of a remote id)."""
        with self.write():
            self.db.execute(
                "INSERT INTO sync_queue (action, target, at) VALUES (?, ?, ?)",
                (action, target, time.time() if at is None else at),
            )

    def queued(self) -> list[QueuedAction]:
        rows = self.db.execute("SELECT id, action, target, at FROM sync_queue ORDER BY id")
        return [QueuedAction(*row) for row in rows]

    def queued_count(self) -> int:
        """Actions waiting for the server (0 in a store that follows no account)."""
        try:
            return self.db.execute("SELECT count(*) FROM sync_queue").fetchone()[0]
        except sqlite3.OperationalError:  # a store older than sync, read without upgrading it
            return 0

    def dequeue(self, ids: Iterable[int]) -> None:
        wanted = [(i,) for i in ids]
        if wanted:
            with self.write():
                self.db.executemany("DELETE FROM sync_queue WHERE id = ?", wanted)

    # -- feeds ---------------------------------------------------------------------------
    def synced_feeds(self) -> dict[str, int]:
        """remote id -> feed id."""
        return dict(self.db.execute("SELECT remote_id, feed_id FROM sync_feeds"))

    def link_feed(self, feed_id: int, remote_id: str) -> None:
        with self.write():
            self.db.execute(
                "INSERT OR REPLACE INTO sync_feeds (feed_id, remote_id) VALUES (?, ?)",
                (feed_id, remote_id),
            )

    def set_feed_details(
        self, feed_id: int, title: str, site_url: str, tags: Sequence[str]
    ) -> None:
        """A synced feed's title, site and tags as the server has them."""
        with self.write():
            self.db.execute(
                "UPDATE feeds SET title = ?, site_url = ?, tags = ? WHERE id = ?",
                (title, site_url, json.dumps(list(tags), ensure_ascii=False), feed_id),
            )

    def server_feed_urls(self) -> set[str]:
        """Feeds the refresh leaves to the server: linked to it, or waiting to be subscribed."""
        linked = {r[0] for r in self.db.execute(
            "SELECT f.url FROM feeds f JOIN sync_feeds s ON s.feed_id = f.id"
        )}  # fmt: skip
        waiting = {r[0] for r in self.db.execute(
            "SELECT target FROM sync_queue WHERE action = 'subscribe'"
        )}  # fmt: skip
        return linked | waiting

    # -- articles ------------------------------------------------------------------------
    def unlinked_by_url(self, feed_id: int, urls: Iterable[str]) -> dict[str, int]:
        """url -> id of the feed's articles the server does not know yet (a store that
        follows a server for the first time: its own copies of the server's articles)."""
        wanted = [u for u in dict.fromkeys(urls) if u]
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for url, article_id in self.db.execute(
                f"SELECT url, id FROM articles a WHERE feed_id = ? AND url IN ({marks})"
                " AND NOT EXISTS (SELECT 1 FROM sync_articles s WHERE s.article_id = a.id)",
                (feed_id, *chunk),
            ):
                found.setdefault(url, article_id)
        return found

    def synced_articles(self, feed_ids: Sequence[int] | None = None) -> list[SyncedArticle]:
        where = ""
        if feed_ids is not None:
            where = f" WHERE a.feed_id IN ({','.join(str(int(i)) for i in feed_ids) or 'NULL'})"
        rows = self.db.execute(
            "SELECT s.article_id, s.remote_id, a.feed_id, a.read, s.read, s.starred, a.url"
            f" FROM sync_articles s JOIN articles a ON a.id = s.article_id{where}"
        )
        return [
            SyncedArticle(i, r, f, bool(read), bool(sread), bool(star), url)
            for i, r, f, read, sread, star, url in rows
        ]

    def articles_of_remote(self, remote_ids: Iterable[str]) -> dict[str, int]:
        """remote id -> article id, for those stored."""
        wanted = list(dict.fromkeys(remote_ids))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    f"SELECT remote_id, article_id FROM sync_articles WHERE remote_id IN ({marks})",
                    chunk,
                )
            )
        return found

    def link_articles(self, linked: Sequence[tuple[int, str, bool, bool]]) -> None:
        """(article id, remote id, read and starred on the server) of articles stored from
        the server; their read state here becomes the server's."""
        if not linked:
            return
        with self.write():
            self.db.executemany(
                "INSERT OR REPLACE INTO sync_articles (article_id, remote_id, read, starred)"
                " VALUES (?, ?, ?, ?)",
                [(a, r, int(read), int(star)) for a, r, read, star in linked],
            )
            self.db.executemany(
                "UPDATE articles SET read = ? WHERE id = ?",
                [(int(read), a) for a, _r, read, _star in linked],
            )

    def take_server_state(
        self,
        read: Sequence[tuple[int, bool]],
        starred: Sequence[tuple[int, bool]],
        apply_read: Sequence[tuple[int, bool]],
    ) -> None:
        """Record the server's state as seen now (``read``, ``starred``: (article id,
        state)) and change the read state here of ``apply_read``, in one transaction."""
        with self.write():
            self.db.executemany(
                "UPDATE sync_articles SET read = ? WHERE article_id = ?",
                [(int(state), a) for a, state in read],
            )
            self.db.executemany(
                "UPDATE sync_articles SET starred = ? WHERE article_id = ?",
                [(int(state), a) for a, state in starred],
            )
            self.db.executemany(
                "UPDATE articles SET read = ? WHERE id = ?",
                [(int(state), a) for a, state in apply_read],
            )
