"""The Fever API (``url``: its endpoint, e.g. ``https://host/fever/``), as coldsweat and
FreshRSS serve it: one request may carry several questions, so a sync with nothing new is
one request (items since the newest id seen, the unread ids, the saved ids). Items are marked
one a request — the API has no other way — and it cannot subscribe or unsubscribe."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from newsreader.models import SyncError
from newsreader.sync.remote import Pull, RemoteFeed, RemoteItem, Sent
from newsreader.sync.session import Client
from newsreader.sync.settings import SyncSettings
from newsreader.text.sanitize import clean_line, clean_url

AS = {"read": "read", "unread": "unread", "star": "saved", "unstar": "unsaved"}
PAGE = 50  # items a request gives, as the API says


def _ids(text: object) -> set[str]:
    return {i for i in str(text or "").split(",") if i.strip().isdigit()}


class FeverClient(Client):
    can_subscribe = False

    def __init__(self, settings: SyncSettings, password: str, memory: dict[str, str]) -> None:
        super().__init__(settings, password)
        key = f"{settings.user}:{password}".encode()
        self.api_key = hashlib.md5(key, usedforsecurity=False).hexdigest()

    def _call(self, query: str, **form: str) -> dict[str, Any]:
        reply = self.session.json(
            "POST", "?api" + (f"&{query}" if query else ""), data={"api_key": self.api_key, **form}
        )
        if not isinstance(reply, dict) or reply.get("auth") != 1:
            raise SyncError(
                f"sync: {self.settings.shown} refused user {clean_line(self.settings.user)!r}:"
                " check the user and the password"
            )
        return reply

    def mark(self, mark: str, item_ids: Sequence[str]) -> None:
        for item in item_ids:
            self._call("", mark="item", **{"as": AS[mark]}, id=item)

    def subscribe(self, url: str) -> str:
        raise SyncError(
            f"sync: the Fever API cannot subscribe: add {clean_url(url)} on the server itself"
        )

    def unsubscribe(self, feed_id: str) -> None:
        raise SyncError("sync: the Fever API cannot unsubscribe: remove the feed on the server")

    def feeds(self) -> list[RemoteFeed]:
        reply = self._call("feeds&groups")
        groups = {
            g.get("id"): clean_line(str(g.get("title", "")))
            for g in reply.get("groups") or []
            if isinstance(g, dict)
        }
        feed_groups: dict[str, list[str]] = {}
        for link in reply.get("feeds_groups") or []:
            if isinstance(link, dict) and link.get("group_id") in groups:
                for feed in _ids(link.get("feed_ids")):
                    feed_groups.setdefault(feed, []).append(groups[link["group_id"]])
        return [
            RemoteFeed(
                id=str(f["id"]),
                url=clean_url(str(f.get("url") or "")),
                title=clean_line(str(f.get("title") or "")),
                site_url=clean_url(str(f.get("site_url") or "")),
                tags=tuple(t for t in feed_groups.get(str(f["id"]), []) if t),
            )
            for f in reply.get("feeds") or []
            if isinstance(f, dict) and "id" in f
        ]

    def pull(self, memory: dict[str, str], full: bool, sent: Sent) -> Pull:
        cursor = 0 if full else int(memory.get("fever.cursor", "0") or 0)
        reply = self._call(f"items&since_id={cursor}&unread_item_ids&saved_item_ids")
        pull = Pull(unread=_ids(reply.get("unread_item_ids")))
        pull.starred = _ids(reply.get("saved_item_ids"))
        page = reply.get("items") or []
        while page:
            items = [_item(i) for i in page if isinstance(i, dict) and "id" in i]
            pull.items += items
            cursor = max([cursor, *(int(i.id) for i in items if i.id.isdigit())])
            if len(page) < PAGE:
                break
            page = self._call(f"items&since_id={cursor}").get("items") or []
        pull.memory = {"fever.cursor": str(cursor)}
        return pull


def _item(item: dict[str, Any]) -> RemoteItem:
    created = item.get("created_on_time")
    return RemoteItem(
        id=str(item["id"]),
        feed_id=str(item.get("feed_id", "")),
        url=clean_url(str(item.get("url") or "")),
        title=clean_line(str(item.get("title") or "")),
        author=clean_line(str(item.get("author") or "")),
        published=float(created) if isinstance(created, int | float) and created else None,
        html=str(item.get("html") or ""),
        read=bool(item.get("is_read")),
        starred=bool(item.get("is_saved")),
    )
