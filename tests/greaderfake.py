"""A Google Reader API server for the sync tests, on 127.0.0.1, following what FreshRSS and
Miniflux document and do (no server of either is installable here):

- ``accounts/ClientLogin`` answers ``SID=…/LSID=…/Auth=…`` lines, 401 ``Error=BadAuthentication``;
- every ``reader/api/0`` call needs ``Authorization: GoogleLogin auth=…``, else 401;
- a POST needs the edit token ``T`` (from ``reader/api/0/token``), else 401 with
  ``X-Reader-Google-Bad-Token: true`` (FreshRSS);
- ``stream/items/ids`` gives short (decimal) ids with ``timestampUsec``, ``n`` at a time with a
  ``continuation``; ``xt`` excludes a state, ``ot`` keeps items at or after a time (seconds);
- ``stream/items/contents`` takes ids in either form (Miniflux: ids first, then contents) and
  gives the long form ``tag:google.com,2005:reader/item/<16 hex digits>``;
- ``edit-tag`` takes many ``i`` with ``a``/``r``; ``subscription/quickadd``,
  ``subscription/edit`` (``ac=unsubscribe``), ``subscription/list``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"
LONG = "tag:google.com,2005:reader/item/"


@dataclass
class Item:
    id: int
    feed: str
    title: str
    url: str
    html: str
    published: int
    crawled_usec: int
    read: bool = False
    starred: bool = False


@dataclass
class Feed:
    id: str  # "feed/N"
    url: str
    title: str
    labels: list[str] = field(default_factory=list)


def _short(item_id: str) -> int:
    if item_id.startswith(LONG):
        return int(item_id[len(LONG) :], 16)
    return int(item_id)


class GReaderFake(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, user: str = "reader", password: str = "secret-pw") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.user, self.password = user, password
        self.auth, self.token = "auth-token-1", "edit-token-1"
        self.feeds: dict[str, Feed] = {}
        self.items: dict[int, Item] = {}
        self.lock = threading.Lock()
        self.requests: list[str] = []  # paths asked, in order
        self.stall = threading.Event()  # set: every request waits (a server that hangs)
        self.released = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> GReaderFake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.shutdown()
        self.server_close()

    # -- the test's side ------------------------------------------------------------------
    def add_feed(self, url: str, title: str, labels: tuple[str, ...] = ()) -> str:
        with self.lock:
            feed_id = f"feed/{len(self.feeds) + 1}"
            self.feeds[feed_id] = Feed(feed_id, url, title, list(labels))
            return feed_id

    def add_item(self, feed: str, title: str, *, read: bool = False, starred: bool = False) -> int:
        with self.lock:
            item_id = 1_000 + len(self.items)
            now = time.time()
            self.items[item_id] = Item(
                item_id, feed, title, f"https://site.test/{item_id}", f"<p>{title}.</p>",
                int(now), int(now * 1_000_000) + len(self.items), read, starred,
            )  # fmt: skip
            return item_id

    # -- the API ---------------------------------------------------------------------------
    def answer(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
        headers: dict[str, str],
    ) -> tuple[int, str, dict]:
        if path == "/accounts/ClientLogin":
            fields = dict(form)
            if fields.get("Email") == self.user and fields.get("Passwd") == self.password:
                return 200, f"SID={self.auth}\nLSID=null\nAuth={self.auth}\n", {}
            return 401, "Error=BadAuthentication\n", {}
        if not path.startswith("/reader/api/0/"):
            return 404, "not found", {}
        if headers.get("authorization") != f"GoogleLogin auth={self.auth}":
            return 401, "Unauthorized!", {}
        call = path[len("/reader/api/0/") :]
        if call == "token":
            return 200, self.token + "\n", {}
        edit = method == "POST" and call != "stream/items/contents"
        if edit and dict(form).get("T") != self.token:
            return 401, "Unauthorized!", {"X-Reader-Google-Bad-Token": "true"}
        with self.lock:
            return self._call(call, dict(query), query, form)

    def _call(
        self,
        call: str,
        params: dict[str, str],
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
    ) -> tuple[int, str, dict]:
        if call == "subscription/list":
            subs = [
                {"id": f.id, "title": f.title, "url": f.url, "htmlUrl": "https://site.test/",
                 "categories": [{"id": f"user/-/label/{lab}", "label": lab} for lab in f.labels]}
                for f in self.feeds.values()
            ]  # fmt: skip
            return 200, json.dumps({"subscriptions": subs}), {}
        if call == "stream/items/ids":
            return 200, json.dumps(self._ids(params)), {}
        if call == "stream/items/contents":
            wanted = [_short(v) for k, v in [*query, *form] if k == "i"]
            items = [self._item(self.items[i]) for i in wanted if i in self.items]
            return 200, json.dumps({"items": items}), {}
        if call == "edit-tag":
            fields = form
            ids = [_short(v) for k, v in fields if k == "i"]
            for key, value in fields:
                if key not in ("a", "r"):
                    continue
                for i in ids:
                    if i in self.items and value in (READ, STARRED):
                        attribute = "read" if value == READ else "starred"
                        setattr(self.items[i], attribute, key == "a")
            return 200, "OK", {}
        if call == "subscription/quickadd":
            url = dict([*query, *form]).get("quickadd", "")
            existing = next((f for f in self.feeds.values() if f.url == url), None)
            if existing is None:
                feed_id = f"feed/{len(self.feeds) + 1}"
                self.feeds[feed_id] = Feed(feed_id, url, url)
                existing = self.feeds[feed_id]
            return 200, json.dumps({"query": url, "numResults": 1, "streamId": existing.id}), {}
        if call == "subscription/edit":
            fields = dict(form)
            if fields.get("ac") == "unsubscribe":
                feed = fields.get("s", "")
                self.feeds.pop(feed, None)
                self.items = {k: v for k, v in self.items.items() if v.feed != feed}
            return 200, "OK", {}
        return 404, "not found", {}

    def _ids(self, params: dict[str, str]) -> dict:
        stream, exclude = params.get("s", READING_LIST), params.get("xt", "")
        chosen = list(self.items.values())
        if stream == STARRED:
            chosen = [i for i in chosen if i.starred]
        elif stream.startswith("feed/"):
            chosen = [i for i in chosen if i.feed == stream]
        if exclude == READ:
            chosen = [i for i in chosen if not i.read]
        if params.get("ot"):
            chosen = [i for i in chosen if i.crawled_usec // 1_000_000 >= int(params["ot"])]
        chosen.sort(key=lambda i: -i.crawled_usec)
        start = int(params.get("c") or 0)
        count = int(params.get("n") or 20)
        page = chosen[start : start + count]
        answer: dict = {"itemRefs": [
            {"id": str(i.id), "directStreamIds": [i.feed], "timestampUsec": str(i.crawled_usec)}
            for i in page
        ]}  # fmt: skip
        if start + count < len(chosen):
            answer["continuation"] = str(start + count)
        return answer

    def _item(self, item: Item) -> dict:
        categories = [READING_LIST] + [READ] * item.read + [STARRED] * item.starred
        feed = self.feeds.get(item.feed)
        return {
            "id": f"{LONG}{item.id:016x}", "crawlTimeMsec": str(item.crawled_usec // 1000),
            "timestampUsec": str(item.crawled_usec), "published": item.published,
            "title": item.title, "canonical": [{"href": item.url}],
            "alternate": [{"href": item.url, "type": "text/html"}],
            "categories": categories, "origin": {
                "streamId": item.feed, "title": feed.title if feed else "",
                "htmlUrl": "https://site.test/"},
            "summary": {"direction": "ltr", "content": item.html}, "author": "Mara Quist",
        }  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: GReaderFake

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self, method: str) -> None:
        if self.server.stall.is_set():
            self.server.released.wait(30)
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        form = parse_qsl(body, keep_blank_values=True)
        self.server.requests.append(parts.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, text, extra = self.server.answer(method, parts.path, query, form, headers)
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if text[:1] in "{[" else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(OSError):  # the client (or the proxy) dropped the line on purpose
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")
