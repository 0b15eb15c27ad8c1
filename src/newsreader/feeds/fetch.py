"""Fetching feeds over HTTP: polite, bounded, concurrent.

One shared ``httpx.AsyncClient``; a global and a per-host concurrency cap; conditional GET
(ETag, Last-Modified); redirects followed by hand (at most ``max_redirects`` hops, http/https
checked on every hop, so nothing ever reaches ``file:``); 429/503 ``Retry-After``; one overall
deadline per feed covering connect, headers and body (httpx's timeouts are per operation, so a
server that drips a byte a second never trips them); a body cap counted on the *decoded* bytes,
decompressing ``iter_raw()`` ourselves with a bounded decompressor (httpx's own decoding can turn
a 2 KB gzip-of-gzip into a gigabyte in one chunk); stacked or unknown encodings refused; a
truncated or reset body is an error and is never parsed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import ipaddress
import os
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from newsreader import __version__
from newsreader.feeds.httpximport import import_httpx
from newsreader.text.phrases import size_text
from newsreader.text.sanitize import clean_line, is_web_url, redact_credentials

PROJECT_URL = "https://github.com/newsreader-tui/newsreader"
DEFAULT_USER_AGENT = f"newsreader/{__version__} (+{PROJECT_URL})"
MAX_BODY_BYTES = 10 * 1024 * 1024  # decoded: what a feed may weigh
MAX_RETRY_AFTER = 24 * 3600.0
DEFAULT_RETRY_AFTER = 3600.0
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    deadline: float = 30.0  # seconds for the whole fetch of one feed
    connect_timeout: float = 10.0
    max_bytes: int = MAX_BODY_BYTES
    concurrency: int = 16
    per_host: int = 4
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    transport: str = "aiohttp"  # "aiohttp" (httpx's API on aiohttp's C parser) or "httpx"


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the URL asked for
    status: str  # "ok", "not_modified", "error", "gone", "deferred"
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    permanent_url: str = ""  # set when every hop to the final URL was a permanent redirect
    final_url: str = ""
    error: str = ""
    retry_at: float | None = None  # epoch seconds, for "deferred"
    http_status: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class FetchError(Exception):
    """A one-line, plain-text reason; becomes the feed's ``last_error``."""


def parse_retry_after(value: str | None, now: float | None = None) -> float:
    """Seconds to wait: a number or an HTTP date, clamped to 24 h; a default when unreadable."""
    now = time.time() if now is None else now
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER
    if moment.tzinfo is None:
        return DEFAULT_RETRY_AFTER
    return min(max(0.0, moment.timestamp() - now), MAX_RETRY_AFTER)


class _BoundedDecoder:
    """Decodes one layer of gzip/deflate (or none), refusing to produce more than ``limit``."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.encoding = encoding
        self.parts: list[bytes] = []
        if encoding in ("gzip", "x-gzip"):
            self.decoder: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.decoder = None  # zlib or raw deflate: decided on the first bytes
        else:
            self.decoder = None

    def _take(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(f"feed too large (> {size_text(self.limit)})")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if not self.encoding or self.encoding == "identity":
            self._take(chunk)
            return
        if self.decoder is None:  # deflate: zlib-wrapped if the header checks out
            wrapped = (
                len(chunk) >= 2 and (chunk[0] * 256 + chunk[1]) % 31 == 0 and chunk[0] & 15 == 8
            )
            self.decoder = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            data = self.decoder.decompress(chunk, self.limit - self.size + 1)
            self._take(data)
            while self.decoder.unconsumed_tail:
                data = self.decoder.decompress(
                    self.decoder.unconsumed_tail, self.limit - self.size + 1
                )
                self._take(data)
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body ({exc})") from None

    def finish(self) -> bytes:
        if self.decoder is not None:
            if not self.decoder.eof:
                raise FetchError(f"truncated {self.encoding} body")
            self._take(self.decoder.flush())
        return b"".join(self.parts)


def _content_encoding(headers: Any) -> str:
    raw = ",".join(headers.get_list("content-encoding")) if hasattr(headers, "get_list") else ""
    codings = [
        c.strip().lower() for c in raw.split(",") if c.strip() and c.strip().lower() != "identity"
    ]
    if len(codings) > 1:
        raise FetchError(f"stacked content encodings refused ({', '.join(codings)})")
    if codings and codings[0] not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"unsupported content encoding {clean_line(codings[0])[:40]!r}")
    return codings[0] if codings else ""


class Fetcher:
    """Use as ``async with Fetcher(settings) as fetcher: await fetcher.fetch(url, …)``."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        transport: Any = None,
        scope_of: Callable[[str], Awaitable[int]] | None = None,
    ) -> None:
        """``scope_of``: how private a host is (:func:`address_scope`, which resolves names)."""
        self.settings = settings or FetchSettings()
        if self.settings.concurrency < 1 or self.settings.per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1: 0 waits forever")
        self._transport = transport
        self._scope_of = scope_of or address_scope
        self._global = asyncio.Semaphore(self.settings.concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.settings.per_host)
        )
        self.client: Any = None

    async def __aenter__(self) -> Fetcher:
        httpx = import_httpx()

        s = self.settings
        transport = self._transport
        verify = _ssl_context()
        if transport is None and s.transport == "aiohttp":
            # httpx's API on aiohttp's transport: a fraction of the CPU a request costs on
            # httpx's own (MEASURED.md); decompression and redirects stay ours (auto_decompress and
            # allow_redirects are off in the transport).
            from httpx_aiohttp import AiohttpTransport

            transport = AiohttpTransport(
                verify=verify,
                limits=httpx.Limits(
                    max_connections=s.concurrency, max_keepalive_connections=s.concurrency
                ),
                trust_env=False,
            )
        self.client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(s.deadline, connect=s.connect_timeout),
            limits=httpx.Limits(
                max_connections=s.concurrency, max_keepalive_connections=s.concurrency
            ),
            headers={
                "User-Agent": s.user_agent,
                "Accept": _ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
            transport=transport,
            verify=verify,
            event_hooks={"response": [_refuse_non_web_redirect]},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def fetch(
        self,
        url: str,
        etag: str = "",
        last_modified: str = "",
        *,
        deadline: float | None = None,
        max_bytes: int | None = None,
        user_agent: str | None = None,
    ) -> FetchResult:
        """Fetch one feed; ``deadline``, ``max_bytes`` and ``user_agent`` override the
        settings for this feed alone."""
        host = (urlsplit(url).hostname or "").lower()
        limit = deadline or self.settings.deadline
        async with self._global, self._hosts[host]:
            try:
                async with asyncio.timeout(limit):
                    return await self._fetch(
                        url, etag, last_modified, max_bytes or self.settings.max_bytes, user_agent
                    )
            except TimeoutError:
                error = f"timed out after {limit:g} s"
            except FetchError as exc:
                error = str(exc)
            except Exception as exc:  # httpx's transport errors and anything below them
                error = _describe(exc)
        return FetchResult(url, "error", error=redact_credentials(clean_line(error)))

    async def _fetch(
        self, url: str, etag: str, last_modified: str, max_bytes: int, user_agent: str | None
    ) -> FetchResult:
        if not is_web_url(url):
            raise FetchError("only http and https URLs are fetched")
        current, authorization = _split_credentials(url)
        origin = _origin(current)
        origin_scope: int | None = None
        visited = {current}
        permanent = True
        headers = {"User-Agent": user_agent} if user_agent else {}
        if etag and _valid_header_value(etag):
            headers["If-None-Match"] = etag
        if last_modified and _valid_header_value(last_modified):
            headers["If-Modified-Since"] = last_modified
        for _hop in range(self.settings.max_redirects + 1):
            hop_headers = headers
            if authorization and _origin(current) == origin:  # never sent to another host
                hop_headers = {**headers, "Authorization": authorization}
            request = self.client.build_request("GET", current, headers=hop_headers)
            response = await self.client.send(request, stream=True)
            try:
                status = response.status_code
                if status in _REDIRECTS:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError(f"HTTP {status} redirect without a Location")
                    target = urljoin(current, location.strip())
                    if not is_web_url(target):
                        scheme = target.split(":", 1)[0][:20]
                        raise FetchError(
                            f"redirect to a non-web URL refused ({clean_line(scheme)}:)"
                        )
                    if target in visited:
                        raise FetchError("redirect loop")
                    if origin_scope is None:
                        origin_scope = await self._scope_of(urlsplit(current).hostname or "")
                    target_scope = await self._scope_of(urlsplit(target).hostname or "")
                    if target_scope > origin_scope:
                        raise FetchError(
                            f"redirect from a {SCOPE_NAMES[origin_scope]} address to a"
                            f" {SCOPE_NAMES[target_scope]} one refused"
                        )
                    visited.add(target)
                    permanent = permanent and status in _PERMANENT
                    current = target
                    continue
                if authorization and _origin(current) != origin:
                    permanent = False  # the stored URL keeps its credentials and its host
                return await self._finish(url, current, permanent, response, max_bytes)
            finally:
                await response.aclose()
        raise FetchError(f"too many redirects (more than {self.settings.max_redirects})")

    async def _finish(
        self, url: str, current: str, permanent: bool, response: Any, limit: int
    ) -> FetchResult:
        status = response.status_code
        moved = _with_credentials_of(url, current) if permanent else ""
        etag = response.headers.get("etag", "")
        last_modified = response.headers.get("last-modified", "")
        common = {
            "final_url": current,
            "permanent_url": moved if moved != url else "",
            "http_status": status,
            # a validator that cannot be sent back as a header is not kept
            "etag": etag if _valid_header_value(etag) else "",
            "last_modified": last_modified if _valid_header_value(last_modified) else "",
        }
        if status == 304:
            return FetchResult(url, "not_modified", **common)
        if status == 410:
            return FetchResult(url, "gone", error="HTTP 410 Gone: the feed was removed", **common)
        if status in (429, 503):
            wait = parse_retry_after(response.headers.get("retry-after"))
            return FetchResult(
                url, "deferred", retry_at=time.time() + wait,
                error=f"HTTP {status}: the server asks to wait", **common,
            )  # fmt: skip
        if status >= 400 or status < 200 or status == 204:
            reason = clean_line(response.reason_phrase or "")[:60]
            raise FetchError(f"HTTP {status}" + (f" {reason}" if reason else ""))
        declared = response.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"feed too large (> {size_text(limit)})")
        decoder = _BoundedDecoder(_content_encoding(response.headers), limit)
        async for chunk in response.aiter_raw():
            decoder.feed(chunk)
        body = decoder.finish()
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() == "content-type"}
        return FetchResult(
            url, "ok", body=body, content_type=content_type, headers=headers, **common
        )


# -- credentials, validators, private addresses ----------------------------------------------

_MAX_VALIDATOR = 1024


def _valid_header_value(value: str) -> bool:
    """Visible ASCII and spaces only: what can be sent back in a request header."""
    return 0 < len(value) <= _MAX_VALIDATOR and value.isascii() and value.isprintable()


def _split_credentials(url: str) -> tuple[str, str]:
    """The URL without its userinfo, and the Basic ``Authorization`` value it carried."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, ""
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    return urlunsplit(parts._replace(netloc=host)), f"Basic {token}"


def _with_credentials_of(original: str, moved: str) -> str:
    """A permanent redirect's target, with the original URL's userinfo when it had one."""
    netloc = urlsplit(original).netloc
    if "@" not in netloc:
        return moved
    parts = urlsplit(moved)
    return urlunsplit(parts._replace(netloc=f"{netloc.rpartition('@')[0]}@{parts.netloc}"))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 443 if parts.scheme.lower() == "https" else 80
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


PUBLIC, PRIVATE, LOCAL = 0, 1, 2
SCOPE_NAMES = {PUBLIC: "public", PRIVATE: "private", LOCAL: "local"}


def ip_scope(address: str) -> int:
    """How private an IP address is: loopback and unspecified are local; private ranges,
    link-local, carrier-grade NAT and unique-local IPv6 are private; the rest is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return PUBLIC
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified:
        return LOCAL
    if ip.is_private or ip.is_link_local or ip in _SHARED_ADDRESS_SPACE:
        return PRIVATE
    return PUBLIC


_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


async def address_scope(host: str) -> int:
    """The most private scope among the addresses ``host`` resolves to (a name that does not
    resolve is public: its connection fails on its own)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return LOCAL
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:
        return ip_scope(host)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return PUBLIC
    return max((ip_scope(str(info[4][0])) for info in infos), default=PUBLIC)


_ssl_lock = threading.Lock()
_ssl_made: list[Any] = []


def _ssl_context() -> Any:
    """The system's CA store when it has one (loaded once); else certifi's bundle,
    which httpx loads by default, slowly, at every start."""
    with _ssl_lock:
        if not _ssl_made:
            paths = ssl.get_default_verify_paths()
            system = (paths.cafile and os.path.exists(paths.cafile)) or (
                paths.capath and os.path.isdir(paths.capath)
            )
            _ssl_made.append(ssl.create_default_context() if system else True)
        return _ssl_made[0]


def warm_up(transport: str = "aiohttp") -> threading.Thread:
    """Import the HTTP stack and load the CA store on a thread of their own while the caller
    opens the store and imports the rest. Loading certificates releases the GIL, and it is
    most of the stack's start: aiohttp loads them twice as it is imported, we once."""

    def load_ca_store() -> None:
        with contextlib.suppress(Exception):  # the fetcher makes it again and says what failed
            _ssl_context()

    def work() -> None:
        # our CA store loads on a third thread, beside aiohttp's two loads inside its import
        ca_store = threading.Thread(target=load_ca_store, name="newsreader-ca-store", daemon=True)
        ca_store.start()
        try:
            import_httpx()
            if transport == "aiohttp":
                import httpx_aiohttp  # noqa: F401
        except Exception:  # the fetcher imports them again and says what failed
            pass
        ca_store.join()

    thread = threading.Thread(target=work, name="newsreader-warm-up", daemon=True)
    thread.start()
    return thread


def _connect_failure(exc: BaseException) -> str:
    """What stopped a connection, read from the socket or TLS error under httpx's: httpx-aiohttp
    maps every aiohttp connection error to ``ConnectTimeout``, a refused connection and an
    unknown host too (its map matches ``ClientConnectionError`` first), and httpx's own
    transport wraps the error twice, the last time over "All connection attempts failed"."""
    cause: BaseException | None = exc
    for _depth in range(6):
        if isinstance(cause, BaseExceptionGroup) and cause.exceptions:
            cause = cause.exceptions[0]  # one per address tried: they fail alike
        elif cause is None or (isinstance(cause, OSError) and cause.errno is not None):
            break
        else:
            cause = cause.__cause__ or cause.__context__
    if not isinstance(cause, OSError) or isinstance(cause, TimeoutError):
        return ""
    os_error = getattr(cause, "os_error", cause)
    if isinstance(os_error, socket.gaierror) or type(cause).__name__ == "ClientConnectorDNSError":
        return "cannot resolve the host name"
    if isinstance(os_error, ssl.SSLCertVerificationError):
        reason = clean_line(getattr(os_error, "verify_message", "") or "")[:80]
        return (
            f"TLS certificate not trusted ({reason})" if reason else "TLS certificate not trusted"
        )
    if isinstance(os_error, ssl.SSLError):
        return f"TLS error ({clean_line(getattr(os_error, 'reason', '') or str(os_error))[:80]})"
    if os_error.errno == errno.ECONNREFUSED:
        return "connection refused"
    if os_error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "network unreachable"
    if type(cause).__name__ == "ClientConnectorError":
        return f"cannot connect ({clean_line(os_error.strerror or str(os_error))[:80]})"
    return ""


async def _refuse_non_web_redirect(response: Any) -> None:
    """Runs before httpx parses a redirect's Location, which a ``javascript:`` URL would break."""
    if response.status_code in _REDIRECTS:
        target = urljoin(str(response.request.url), response.headers.get("location", "").strip())
        if target and not is_web_url(target):
            scheme = clean_line(target.split(":", 1)[0])[:20]
            await response.aclose()
            raise FetchError(f"redirect to a non-web URL refused ({scheme}:)")


def _hung_up(exc: BaseException) -> bool:
    """Whether the server closed the connection before the response's status line (aiohttp's
    error arrives as httpx's ``ConnectTimeout``, httpx's own as a protocol error)."""
    cause: BaseException | None = exc
    for _depth in range(6):
        if cause is None:
            return False
        if type(cause).__name__ == "ServerDisconnectedError" or (
            "disconnected without sending a response" in str(cause)
        ):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _describe(exc: Exception) -> str:
    httpx = import_httpx()

    failure = _connect_failure(exc)
    if failure:
        return failure
    if _hung_up(exc):
        return "the server closed the connection without answering"
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for the server"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name or service not known" in text or "nodename nor servname" in text:
            return "cannot resolve the host name"
        if "refused" in text:
            return "connection refused"
        return f"cannot connect ({clean_line(str(exc))[:80]})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"incomplete response from the server ({clean_line(str(exc))[:80]})"
    if isinstance(exc, httpx.ReadError):
        return "connection reset while reading the body"
    if type(exc).__name__ in (
        "ClientResponseError",
        "ClientPayloadError",
        "ServerDisconnectedError",
    ):
        return f"malformed response from the server ({type(exc).__name__})"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {clean_line(str(exc))[:80]}"
    return f"{type(exc).__name__}: {clean_line(str(exc))[:80]}"
