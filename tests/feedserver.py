"""A loopback HTTP server for fetch tests: every misbehaviour a feed host can show.

It listens on 127.0.0.1 only, every slow or endless response is bounded in time and size, and
the server stops with the fixture.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import struct
import threading
import time
import zlib
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_SECONDS = 20.0  # no response of this server lasts longer


def rss(title: str, items: int = 3, prefix: str = "") -> bytes:
    entries = "".join(
        f"<item><title>{prefix}Item {i}</title><link>https://site.example/{prefix}{i}</link>"
        f"<guid>{prefix}{i}</guid><description>Body {i} of {title}</description></item>"
        for i in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://site.example/</link>{entries}</channel></rss>"
    ).encode()


GOOD = rss("Good feed")
ETAG = '"v1"'
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.mode = "good"  # "good": every path serves a valid feed; "bad": its misbehaviour
        self.pages: dict[str, tuple[bytes, str]] = {}  # path -> (body, content type), served as is
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class TLSFeedServer(FeedServer):
    """The same server behind TLS, with the certificate it is given (a self-signed one that no
    client trusts, in the tests). A handshake the client abandons ends in ``get_request``."""

    def __init__(self, cert: str, key: str) -> None:
        super().__init__()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FeedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "application/rss+xml", **(headers or {})}
        if "Content-Length" not in headers:
            headers["Content-Length"] = str(len(body))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
        name = path.strip("/")
        if path in self.server.pages:
            body, content_type = self.server.pages[path]
            self.send(200, body, {"Content-Type": content_type})
            return
        exempt = ("redirect3", "perm", "cond", "auth", "latin1", "hang-up", "to-port")
        if self.server.mode == "good" and not name.startswith(exempt):
            items = 600 if name.startswith("many") else 3  # more than an indexing batch
            self.send(200, rss(name or "root", items, prefix=name + "-"))
            return
        if name == "cond":
            if self.headers.get("If-None-Match") == ETAG:
                self.send(304, headers={"ETag": ETAG})
            else:
                self.send(200, GOOD, {"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
        elif name == "cond-lm":
            if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                self.send(304)
            else:
                self.send(200, GOOD, {"Last-Modified": LAST_MODIFIED})
        elif name == "auth":  # basic auth, user "reader", password "p@ss:word"
            if self.headers.get("Authorization") == "Basic cmVhZGVyOnBAc3M6d29yZA==":
                self.send(200, rss("Private feed", prefix="auth-"))
            else:
                self.send(401, b"who are you", {"WWW-Authenticate": 'Basic realm="feeds"'})
        elif name == "auth-elsewhere":  # sends the client to another host: no credentials there
            self.send(
                302, headers={"Location": f"http://localhost:{self.server.server_address[1]}/auth"}
            )
        elif name == "latin1-validators":
            if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                self.send(304)
            else:
                self.send_response(200)
                body = rss("Latin-1 validators", prefix="l1-")
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self._headers_buffer.append(b'ETag: "caf\xe9"\r\nLast-Modified: Lun\xe9\r\n')
                self.end_headers()
                self.wfile.write(body)
        elif name == "hang-up":  # reads the request, then closes without a word
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif name.startswith("to-port-"):
            port = name.removeprefix("to-port-")
            self.send(302, headers={"Location": f"http://127.0.0.1:{port}/fast-moved"})
        elif name == "unrequested-304":
            self.send(304)
        elif name in ("404", "500"):
            self.send(int(name), b"nope", {"Content-Type": "text/plain"})
        elif name == "410":
            self.send(410, b"gone", {"Content-Type": "text/plain"})
        elif name == "429-seconds":
            self.send(429, b"", {"Retry-After": "120"})
        elif name == "429-date":
            self.send(429, b"", {"Retry-After": formatdate(time.time() + 7200, usegmt=True)})
        elif name == "503-garbage":
            self.send(503, b"", {"Retry-After": "whenever"})
        elif name.startswith("redirect"):  # redirect3 → redirect2 → redirect1 → redirect0 (feed)
            hops = int(name.removeprefix("redirect") or 0)
            if hops:
                self.send(302, headers={"Location": f"/redirect{hops - 1}"})
            else:
                self.send(200, GOOD)
        elif name == "perm":
            self.send(301, headers={"Location": f"{self.server.base}/perm-target"})
        elif name == "perm-target":
            self.send(200, GOOD)
        elif name == "loop-a":
            self.send(302, headers={"Location": "/loop-b"})
        elif name == "loop-b":
            self.send(302, headers={"Location": "/loop-a"})
        elif name == "to-file":
            self.send(302, headers={"Location": "file:///etc/passwd"})
        elif name == "to-js":
            self.send(302, headers={"Location": "javascript:alert(1)"})
        elif name == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self._drip(GOOD, interval=0.5)
        elif name == "slow-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n")
            self.wfile.flush()
            self.server.stopping.wait(MAX_SECONDS)
        elif name == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<item><title>x</title></item>" * 1000
            deadline = time.monotonic() + MAX_SECONDS
            try:
                while time.monotonic() < deadline and not self.server.stopping.is_set():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass
        elif name == "gzip-bomb":
            bomb = gzip.compress(b"<" + b"a" * (64 * 1024 * 1024), compresslevel=9)
            self.send(200, bomb, {"Content-Encoding": "gzip"})
        elif name == "gzip-of-gzip":
            inner = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
            self.send(200, gzip.compress(inner), {"Content-Encoding": "gzip, gzip"})
        elif name == "gzip-nested":
            inner = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
            self.send(200, gzip.compress(inner), {"Content-Encoding": "gzip"})
        elif name == "gzip-ok":
            self.send(200, gzip.compress(GOOD), {"Content-Encoding": "gzip"})
        elif name == "deflate-ok":
            self.send(200, zlib.compress(GOOD), {"Content-Encoding": "deflate"})
        elif name == "brotli":
            self.send(200, b"\x0b\x02\x80hello\x03", {"Content-Encoding": "br"})
        elif name == "short-length":
            self.send(200, GOOD, {"Content-Length": str(len(GOOD) // 2)})
            self.close_connection = True
        elif name == "reset":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 2])
            self.wfile.flush()
            # A reset discards what the client has not read yet: give it the headers and half
            # the body first, so the reset comes mid-body and not before the status line.
            time.sleep(0.2)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif name == "page-with-feed":  # a site's home page that names its feed
            page = (
                b'<!DOCTYPE html><html><head><title>Home</title><link rel="alternate"'
                b' type="application/rss+xml" title="News" href="/fast-named"></head>'
                b"<body>hi</body></html>"
            )
            self.send(200, page, {"Content-Type": "text/html; charset=utf-8"})
        elif name == "html":
            page = b"<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>"
            self.send(200, page, {"Content-Type": "text/html; charset=utf-8"})
        elif name == "slow":
            self.server.stopping.wait(1.5)
            self.send(200, rss("Slow feed", prefix="slow-"))
        elif name.startswith("fast"):
            self.send(200, rss(name, 30 if "big" in name else 3, prefix=name + "-"))
        else:
            self.send(404, b"unknown")

    def _drip(self, body: bytes, interval: float) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        try:
            for byte in body:
                if time.monotonic() > deadline or self.server.stopping.wait(interval):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        except OSError:
            pass


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/feed"
