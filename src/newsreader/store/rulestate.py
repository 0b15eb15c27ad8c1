"""What rules did to articles: the ids of blocked articles (so that a feed carrying them
again does not bring them back), the tags rules gave, and rules applied to what is stored."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from newsreader.store import postings, searchindex
from newsreader.store.connection import Connection


class RuleState(Connection):
    def blocked_guids(self, feed_id: int) -> set[str]:
        rows = self.db.execute("SELECT guid FROM blocked WHERE feed_id = ?", (feed_id,))
        return {r[0] for r in rows}

    def remember_blocked(self, feed_id: int, blocked: Sequence[tuple[str, str, str]]) -> None:
        """``blocked``: (guid, rule, title) of articles a rule kept out of the store."""
        if not blocked:
            return
        now = time.time()
        with self.write():
            self.db.executemany(
                "INSERT OR REPLACE INTO blocked (feed_id, guid, rule, title, blocked_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(feed_id, guid, rule, title, now) for guid, rule, title in blocked],
            )

    def stored_versions(self, feed_id: int, guids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """guid -> (id, content hash) of those of ``guids`` the feed has stored."""
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(guids), 500):
            chunk = list(guids[start : start + 500])
            rows = self.db.execute(
                "SELECT guid, id, content_hash FROM articles WHERE feed_id = ?"
                f" AND guid IN ({','.join('?' * len(chunk))})",
                (feed_id, *chunk),
            )
            found.update((guid, (article_id, digest)) for guid, article_id, digest in rows)
        return found

    def forget_blocked(self) -> int:
        """Forget every remembered block (a rule change: the next refresh decides again)."""
        with self.write():
            return self.db.execute("DELETE FROM blocked").rowcount

    def block_stored(self, blocked: Sequence[tuple[int, str]]) -> int:
        """Take stored articles out (``(id, rule)``): their rows, both indexes; their ids are
        remembered as blocked."""
        if not blocked:
            return 0
        now = time.time()
        ids = [article_id for article_id, _rule in blocked]
        with self.write():
            rule_of = dict(blocked)
            rows = []
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self.db.execute(
                    f"SELECT id, feed_id, guid, title FROM articles WHERE id IN ({marks})", chunk
                ).fetchall()
            self.db.executemany(
                "INSERT OR REPLACE INTO blocked (feed_id, guid, rule, title, blocked_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(feed, guid, rule_of[i], title, now) for i, feed, guid, title in rows],
            )
            self.db.executemany("DELETE FROM articles WHERE id = ?", [(r[0],) for r in rows])
            if self.indexes:  # out of both indexes at once (a refresh's worker: the index job)
                postings.take_out_gone(self.db)
                searchindex.take_out_gone(self.db)
        return len(rows)

    def add_article_tags(self, tagged: Iterable[tuple[int, str]]) -> int:
        """``tagged``: (article id, tag); how many were not there yet."""
        rows = list(tagged)
        if not rows:
            return 0
        with self.write():
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO article_tags (article_id, tag) VALUES (?, ?)", rows
            )
            return self.db.total_changes - before

    def article_tags(self, article_id: int) -> list[str]:
        rows = self.db.execute(
            "SELECT tag FROM article_tags WHERE article_id = ? ORDER BY tag", (article_id,)
        )
        return [r[0] for r in rows]
