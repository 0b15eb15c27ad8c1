"""HTTP to the sync server: one connection kept for a sync, every request bounded in time and
size and counted, every failure one line that names the server but never a credential."""

from __future__ import annotations

import json
from typing import Any

from newsreader.models import ServerUnreachable, SyncError
from newsreader.sync.settings import SyncSettings
from newsreader.text.sanitize import clean_line, redact_credentials

MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # an account's whole unread list is a few MB at most


class Session:
    def __init__(self, settings: SyncSettings) -> None:
        from newsreader.feeds.fetch import DEFAULT_USER_AGENT
        from newsreader.feeds.httpximport import import_httpx

        self.httpx = import_httpx()
        self.settings = settings
        self.base = settings.url if settings.url.endswith("/") else settings.url + "/"
        self.requests = 0
        self.client = self.httpx.Client(
            timeout=self.httpx.Timeout(settings.timeout_seconds, connect=10.0),
            headers={"User-Agent": DEFAULT_USER_AGENT},
            follow_redirects=True,
            max_redirects=5,
        )

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: Any = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """(status, body) of one request to ``path`` under the server's URL. A status of 400
        and up is the caller's to read; no answer at all is :class:`ServerUnreachable`."""
        httpx = self.httpx
        url = path if path.startswith(("http://", "https://")) else self.base + path
        self.requests += 1
        try:
            with self.client.stream(
                method, url, params=params, data=data, json=body, headers=headers
            ) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_RESPONSE_BYTES:
                        raise SyncError(
                            f"sync: {self.settings.shown} answered more than"
                            f" {MAX_RESPONSE_BYTES // 1024 // 1024} MB"
                        )
                    chunks.append(chunk)
                return response.status_code, b"".join(chunks)
        except httpx.TimeoutException:
            raise ServerUnreachable(
                f"sync: {self.settings.shown} did not answer in {self.settings.timeout_seconds:g} s"
            ) from None
        except (httpx.TransportError, httpx.TooManyRedirects) as exc:
            reason = redact_credentials(clean_line(str(exc)))[:120] or type(exc).__name__
            raise ServerUnreachable(f"sync: cannot reach {self.settings.shown}: {reason}") from None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON a request answers; a refusal or an error status is :class:`SyncError`."""
        status, content = self.request(method, path, **kwargs)
        self.check(status)
        try:
            return json.loads(content)
        except ValueError:
            raise SyncError(f"sync: {self.settings.shown} answered something not JSON") from None

    def check(self, status: int) -> None:
        if status in (401, 403):
            raise SyncError(
                f"sync: {self.settings.shown} refused user {clean_line(self.settings.user)!r}"
                f" (HTTP {status}): check the user and the password"
            )
        if status >= 400:
            raise SyncError(f"sync: {self.settings.shown} answered HTTP {status}")


class Client:
    """What every protocol's client holds: its settings and password, one session for the
    sync, and ``memory``, what it keeps for the next sync (a login), kept even when it fails."""

    can_subscribe = True

    def __init__(self, settings: SyncSettings, password: str) -> None:
        self.settings = settings
        self.password = password
        self.session = Session(settings)
        self.memory: dict[str, str] = {}

    @property
    def requests(self) -> int:
        return self.session.requests

    def close(self) -> None:
        self.session.close()
