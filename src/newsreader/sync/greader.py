"""The Google Reader API as FreshRSS and Miniflux serve it (``url``: the API's root, e.g.
``https://host/api/greader.php`` for FreshRSS, ``https://host`` for Miniflux).

Items are found by id first (``stream/items/ids``), then read in batches
(``stream/items/contents``), as Miniflux requires. A sync with nothing new costs three
requests: the ids of the items newer than the newest seen, the unread ids and the starred
ids — the last two are the server's whole state, so nothing done elsewhere is missed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from newsreader.models import SyncError
from newsreader.sync.remote import Pull, RemoteFeed, RemoteItem, Sent
from newsreader.sync.session import Client
from newsreader.sync.settings import SyncSettings
from newsreader.text.sanitize import clean_line, clean_url

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
MARKS = {"read": ("a", READ), "unread": ("r", READ), "star": ("a", STARRED),
         "unstar": ("r", STARRED)}  # fmt: skip
IDS_PAGE = 10_000  # ids per stream/items/ids request
CONTENTS_BATCH = 250  # items per stream/items/contents request
EDIT_BATCH = 1_000  # ids per edit-tag request
_LONG_ID = "tag:google.com,2005:reader/item/"


def short_id(item_id: str) -> str:
    """An item's id as a decimal number (the API gives the long form in contents and the
    short one in ids)."""
    if item_id.startswith(_LONG_ID):
        return str(int(item_id[len(_LONG_ID) :], 16))
    return item_id


class GReaderClient(Client):
    def __init__(self, settings: SyncSettings, password: str, memory: dict[str, str]) -> None:
        super().__init__(settings, password)
        self.auth = memory.get("greader.auth", "")
        self.token = memory.get("greader.token", "")

    # -- the API -------------------------------------------------------------------------
    def _login(self) -> None:
        status, body = self.session.request(
            "POST", "accounts/ClientLogin",
            data={"Email": self.settings.user, "Passwd": self.password},
        )  # fmt: skip
        self.session.check(status)
        for line in body.decode("utf-8", "replace").splitlines():
            if line.startswith("Auth="):
                self.auth = line[5:].strip()
        if not self.auth:
            raise SyncError(f"sync: {self.settings.shown} gave no login token")
        self.token = ""
        self.memory["greader.auth"] = self.auth

    def _request(self, method: str, path: str, **kwargs: Any) -> bytes:
        """One API request with the login; a login that expired is made again once."""
        if not self.auth:
            self._login()
        for attempt in (1, 2):
            headers = {"Authorization": f"GoogleLogin auth={self.auth}"}
            status, body = self.session.request(
                method, "reader/api/0/" + path, headers=headers, **kwargs
            )
            if status == 401 and attempt == 1:
                self._login()
                continue
            self.session.check(status)
            return body
        raise AssertionError("unreachable")

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        import json

        try:
            return json.loads(self._request(method, path, **kwargs))
        except ValueError:
            raise SyncError(f"sync: {self.settings.shown} answered {path} oddly") from None

    def _post(self, path: str, fields: list[tuple[str, str]]) -> bytes:
        """A POST that changes something: it carries the edit token (fetched once)."""
        if not self.token:
            self.token = self._request("GET", "token").decode("ascii", "replace").strip()
            self.memory["greader.token"] = self.token
        return self._request("POST", path, data=_form([*fields, ("T", self.token)]))

    def _ids(self, stream: str, **params: Any) -> Iterator[tuple[str, int]]:
        """(id, timestamp in µs) of a stream's items, following continuations."""
        continuation = ""
        while True:
            query = {"s": stream, "n": IDS_PAGE, **params}
            if continuation:
                query["c"] = continuation
            page = self._json("GET", "stream/items/ids", params=query)
            refs = page.get("itemRefs") or [] if isinstance(page, dict) else []
            for ref in refs:
                if isinstance(ref, dict) and "id" in ref:
                    yield short_id(str(ref["id"])), int(ref.get("timestampUsec") or 0)
            continuation = str(page.get("continuation") or "") if isinstance(page, dict) else ""
            if not continuation or not refs:
                return

    # -- what the engine asks ------------------------------------------------------------
    def mark(self, mark: str, item_ids: Sequence[str]) -> None:
        verb, tag = MARKS[mark]
        for start in range(0, len(item_ids), EDIT_BATCH):
            chunk = item_ids[start : start + EDIT_BATCH]
            self._post("edit-tag", [("i", i) for i in chunk] + [(verb, tag)])

    def subscribe(self, url: str) -> str:
        answer = self._post("subscription/quickadd", [("quickadd", url)])
        import json

        try:
            stream = str(json.loads(answer).get("streamId") or "")
        except (ValueError, AttributeError):
            stream = ""
        if not stream:
            raise SyncError(f"sync: {self.settings.shown} cannot subscribe to {clean_url(url)}")
        return stream

    def unsubscribe(self, feed_id: str) -> None:
        self._post("subscription/edit", [("ac", "unsubscribe"), ("s", feed_id)])

    def feeds(self) -> list[RemoteFeed]:
        listed = self._json("GET", "subscription/list", params={"output": "json"})
        found = []
        for sub in listed.get("subscriptions") or [] if isinstance(listed, dict) else []:
            if not isinstance(sub, dict) or not sub.get("id"):
                continue
            labels = tuple(
                clean_line(str(c.get("label", "")))
                for c in sub.get("categories") or []
                if isinstance(c, dict) and c.get("label")
            )
            found.append(
                RemoteFeed(
                    id=str(sub["id"]),
                    url=clean_url(str(sub.get("url") or "")),
                    title=clean_line(str(sub.get("title") or "")),
                    site_url=clean_url(str(sub.get("htmlUrl") or "")),
                    tags=labels,
                )
            )
        return found

    def pull(self, memory: dict[str, str], full: bool, sent: Sent) -> Pull:
        since = 0 if full else int(memory.get("greader.since", "0") or 0)
        params = {"ot": since // 1_000_000} if since else {}
        new = list(self._ids(READING_LIST, **params))
        known = set(memory.get("greader.edge", "").split(",")) if since else set()
        wanted = [i for i, _t in new if i not in known]
        pull = Pull(items=list(self._contents(wanted)))
        pull.unread = {i for i, _t in self._ids(READING_LIST, xt=READ)}
        pull.starred = {i for i, _t in self._ids(STARRED)}
        newest = max([since, *(t for _i, t in new)])
        # items of the newest second are asked for again next time: remember them
        edge = [i for i, t in new if t // 1_000_000 == newest // 1_000_000]
        pull.memory = {
            **self.memory,
            "greader.since": str(newest),
            "greader.edge": ",".join(edge if newest != since else [*known - {""}, *edge]),
        }
        return pull

    def _contents(self, ids: list[str]) -> Iterator[RemoteItem]:
        for start in range(0, len(ids), CONTENTS_BATCH):
            chunk = ids[start : start + CONTENTS_BATCH]
            page = self._json("POST", "stream/items/contents", data={"i": chunk})
            for item in page.get("items") or [] if isinstance(page, dict) else []:
                if isinstance(item, dict) and item.get("id"):
                    yield _item(item)


def _form(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields, a name repeated as often as it is given (``i`` for each item)."""
    form: dict[str, list[str]] = {}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    return form


def _item(item: dict[str, Any]) -> RemoteItem:
    categories = {str(c) for c in item.get("categories") or []}
    links = [*(item.get("canonical") or []), *(item.get("alternate") or [])]
    url = next((str(a.get("href")) for a in links if isinstance(a, dict) and a.get("href")), "")
    body = item.get("content") or item.get("summary") or {}
    origin = item.get("origin") or {}
    published = item.get("published")
    return RemoteItem(
        id=short_id(str(item["id"])),
        feed_id=str(origin.get("streamId") or "") if isinstance(origin, dict) else "",
        url=clean_url(url),
        title=clean_line(str(item.get("title") or "")),
        author=clean_line(str(item.get("author") or "")),
        published=float(published) if isinstance(published, int | float) else None,
        html=str(body.get("content") or "") if isinstance(body, dict) else "",
        read=any(c.endswith("/state/com.google/read") for c in categories),
        starred=any(c.endswith("/state/com.google/starred") for c in categories),
    )
