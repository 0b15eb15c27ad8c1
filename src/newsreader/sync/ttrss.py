"""Tiny Tiny RSS's JSON API (``/api/``, API level 8 and up).

A sync with nothing new costs three requests: the counters (each feed's unread and starred
counts, which feeds there are), the most recently read article and the most recently starred
one. Counts alone cannot see one article read and another marked unread in the same feed; the
newest read article can (marking read puts an article first there), and the newest starred one
sees a star moved from one article to another. What changed is then read exactly: new articles
since the newest id seen, the unread ids of the feeds whose count changed or that hold the
articles read since, the starred ids when a star moved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from newsreader.models import SyncError
from newsreader.sync.remote import Pull, RemoteFeed, RemoteItem, Sent
from newsreader.sync.session import Client
from newsreader.sync.settings import SyncSettings
from newsreader.text.sanitize import clean_line, clean_url

PAGE = 200  # the most getHeadlines returns at once
ALL, STARRED, RECENTLY_READ = -4, -1, -6  # TT-RSS's virtual feeds
FIELD = {"read": (2, 0), "unread": (2, 1), "star": (0, 1), "unstar": (0, 0)}  # field, mode
MARK_BATCH = 1000  # ids per updateArticle: one request for a whole view in practice
RECENT_PAGES = 5  # how far back the articles read since the last sync are looked for


class TtrssClient(Client):
    def __init__(self, settings: SyncSettings, password: str, memory: dict[str, str]) -> None:
        super().__init__(settings, password)
        self.sid = memory.get("ttrss.sid", "")

    # -- the API -------------------------------------------------------------------------
    def _login(self) -> None:
        content = self._call("login", user=self.settings.user, password=self.password, login=True)
        self.sid = str(content.get("session_id", ""))
        if not self.sid:
            raise SyncError(f"sync: {self.settings.shown} gave no session")
        self.memory["ttrss.sid"] = self.sid

    def _call(self, op: str, *, login: bool = False, **params: Any) -> Any:
        """One API call's content; a session that expired is opened again once."""
        if not login and not self.sid:
            self._login()
        for attempt in (1, 2):
            body = {"op": op, **params}
            if not login:
                body["sid"] = self.sid
            reply = self.session.json("POST", "api/", body=body)
            if not isinstance(reply, dict):
                raise SyncError(f"sync: {self.settings.shown} answered {op} oddly")
            content = reply.get("content")
            if reply.get("status") == 0:
                return content
            error = content.get("error", "") if isinstance(content, dict) else ""
            if error == "NOT_LOGGED_IN" and not login and attempt == 1:
                self._login()
                continue
            if error == "LOGIN_ERROR":
                raise SyncError(
                    f"sync: {self.settings.shown} refused user"
                    f" {clean_line(self.settings.user)!r}: check the user and the password"
                )
            if error == "API_DISABLED":
                raise SyncError(
                    f"sync: the API is off for {clean_line(self.settings.user)!r} on"
                    f" {self.settings.shown} (Preferences: Enable API access)"
                )
            raise SyncError(f"sync: {self.settings.shown}: {op} failed ({clean_line(error)[:60]})")
        raise AssertionError("unreachable")

    def _headlines(self, feed_id: int, *, limit: int = PAGE, **params: Any) -> Iterator[dict]:
        """Every headline of a feed view, a page at a time (``limit``: at most this many)."""
        skip = 0
        while skip < limit:
            page = self._call(
                "getHeadlines", feed_id=feed_id, limit=min(PAGE, limit - skip), skip=skip,
                **params,
            )  # fmt: skip
            if not isinstance(page, list):
                raise SyncError(f"sync: {self.settings.shown} answered getHeadlines oddly")
            yield from (h for h in page if isinstance(h, dict))
            if len(page) < PAGE:
                return
            skip += len(page)

    # -- what the engine asks ------------------------------------------------------------
    def mark(self, mark: str, item_ids: Sequence[str]) -> None:
        field, mode = FIELD[mark]
        for start in range(0, len(item_ids), MARK_BATCH):
            chunk = item_ids[start : start + MARK_BATCH]
            self._call("updateArticle", article_ids=",".join(chunk), mode=mode, field=field)

    def subscribe(self, url: str) -> str:
        status = self._call("subscribeToFeed", feed_url=url)
        code = status.get("status", {}) if isinstance(status, dict) else {}
        if not isinstance(code, dict) or code.get("code") not in (0, 1):
            message = clean_line(str(code.get("message", ""))) if isinstance(code, dict) else ""
            raise SyncError(
                f"sync: {self.settings.shown} cannot subscribe to {clean_url(url)}"
                + (f": {message[:100]}" if message else "")
            )
        if code.get("feed_id"):
            return str(code["feed_id"])
        found = next((f for f in self.feeds() if f.url == url), None)  # subscribed already
        return found.id if found else ""

    def unsubscribe(self, feed_id: str) -> None:
        try:
            self._call("unsubscribeFeed", feed_id=int(feed_id))
        except SyncError as exc:
            if "FEED_NOT_FOUND" not in str(exc):  # gone already: what was asked
                raise

    def feeds(self) -> list[RemoteFeed]:
        categories = {
            int(c["id"]): clean_line(str(c.get("title", "")))
            for c in self._call("getCategories", include_empty=True) or []
            if isinstance(c, dict) and isinstance(c.get("id"), int) and c["id"] > 0
        }
        found = []
        for feed in self._call("getFeeds", cat_id=-3, include_nested=True) or []:
            if not isinstance(feed, dict) or not isinstance(feed.get("id"), int) or feed["id"] <= 0:
                continue
            category = categories.get(int(feed.get("cat_id") or 0), "")
            found.append(
                RemoteFeed(
                    id=str(feed["id"]),
                    url=clean_url(str(feed.get("feed_url", ""))),
                    title=clean_line(str(feed.get("title", ""))),
                    tags=(category,) if category else (),
                )
            )
        return found

    def pull(self, memory: dict[str, str], full: bool, sent: Sent) -> Pull:
        counts = self._counters()
        read_top = self._top(RECENTLY_READ)
        star_top = self._top(STARRED)
        before: dict[str, list[int]] = json.loads(memory.get("ttrss.counts", "{}"))
        cursor = int(memory.get("ttrss.cursor", "0") or 0)
        pull = Pull(feeds_changed=full or set(before) != set(counts))
        if not before or not cursor:  # the first sync: every article, with its state
            pull.items = list(self._new_items(0))
            pull.unread = {i.id for i in pull.items if not i.read}
            pull.starred = {i.id for i in pull.items if i.starred}
        else:
            for feed, delta in sent.unread_delta.items():  # this sync's own marks
                before.setdefault(feed, [0, 0])[0] += delta
            for feed, delta in sent.starred_delta.items():
                before.setdefault(feed, [0, 0])[1] += delta
            unread_changed = {f for f, c in counts.items() if before.get(f, [None])[0] != c[0]}
            star_changed = any(before.get(f, [None, None])[1] != c[1] for f, c in counts.items())
            read_moved = read_top != memory.get("ttrss.read_top")
            if unread_changed or read_moved or full:
                pull.items = list(self._new_items(cursor))
            if full:
                pull.unread = self._ids(ALL, view_mode="unread")
            elif unread_changed or read_moved:
                feeds = set(unread_changed)
                if read_moved:
                    previous = memory.get("ttrss.read_top", "")
                    feeds |= self._read_since(previous, counts, sent.read)
                if feeds:
                    pull.unread_feeds = feeds
                    pull.unread = set()
                    for feed in sorted(feeds):
                        pull.unread |= self._ids(int(feed), view_mode="unread")
            if full or star_changed or star_top != memory.get("ttrss.star_top"):
                pull.starred = self._ids(STARRED, view_mode="all_articles")
        cursor = max([cursor, *(int(i.id) for i in pull.items)])
        pull.memory = {
            **self.memory,
            "ttrss.counts": json.dumps(counts, sort_keys=True),
            "ttrss.read_top": read_top,
            "ttrss.star_top": star_top,
            "ttrss.cursor": str(cursor),
        }
        return pull

    def _counters(self) -> dict[str, list[int]]:
        """feed id -> [unread, starred] of every feed."""
        counts: dict[str, list[int]] = {}
        for entry in self._call("getCounters", output_mode="f") or []:
            if not isinstance(entry, dict) or entry.get("kind") == "cat":
                continue
            feed = entry.get("id")
            if isinstance(feed, int) and feed > 0:
                counts[str(feed)] = [
                    int(entry.get("counter") or 0),
                    int(entry.get("markedcounter") or 0),
                ]
        return counts

    def _top(self, feed_id: int) -> str:
        """The id of the first headline of a virtual feed ("" when it is empty)."""
        first = next(self._headlines(feed_id, limit=1, show_content=False), None)
        return str(first.get("id", "")) if first else ""

    def _ids(self, feed_id: int, **params: Any) -> set[str]:
        return {
            str(h["id"])
            for h in self._headlines(feed_id, limit=10**9, show_content=False, **params)
            if "id" in h
        }

    def _read_since(
        self, previous_top: str, counts: dict[str, list[int]], own: set[str]
    ) -> set[str]:
        """The feeds of the articles someone else read since the last sync: the recently read
        list, newest first, down to the one that was first then, less this sync's own reads
        (every feed when that one is no longer there)."""
        feeds: set[str] = set()
        pages = PAGE * RECENT_PAGES + len(own)
        recent = self._headlines(RECENTLY_READ, limit=pages, show_content=False)
        for headline in recent:
            if previous_top and str(headline.get("id")) == previous_top:
                return feeds
            if str(headline.get("id")) not in own:
                feeds.add(str(headline.get("feed_id", "")))
        return feeds if not previous_top else set(counts)

    def _new_items(self, cursor: int) -> Iterator[RemoteItem]:
        for h in self._headlines(
            ALL, limit=10**9, since_id=cursor, view_mode="all_articles", show_content=True,
            order_by="date_reverse", sanitize=False,
        ):  # fmt: skip
            if "id" not in h:
                continue
            yield RemoteItem(
                id=str(h["id"]),
                feed_id=str(h.get("feed_id", "")),
                url=clean_url(str(h.get("link") or "")),
                title=clean_line(str(h.get("title") or "")),
                author=clean_line(str(h.get("author") or "")),
                published=float(h["updated"]) if isinstance(h.get("updated"), int) else None,
                html=str(h.get("content") or ""),
                read=not h.get("unread", True),
                starred=bool(h.get("marked", False)),
                guid=str(h.get("guid") or ""),
            )
