"""Fetching, hardened: credentials, private-network redirects, validators, hang-ups.

Against the real loopback server of :mod:`tests.feedserver`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.feeds import fetch
from newsreader.feeds.fetch import LOCAL, PRIVATE, PUBLIC, Fetcher, address_scope, ip_scope
from newsreader.store import Store

from .feedserver import FeedServer
from .test_fetch import FAST, refresh

SECRET = "p@ss:word"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    yield srv
    srv.stop()


def authed(server: FeedServer, path: str = "auth") -> str:
    return server.base.replace("http://", "http://reader:p%40ss%3Aword@") + f"/{path}"


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_basic_auth_from_the_url_works_and_is_never_shown(
    server: FeedServer, tmp_path: Path, transport: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "newsreader.db"
    url = authed(server)
    outcome = refresh(db, [url], transport)["by_url"][url]  # type: ignore[index]
    assert outcome.ok and outcome.new == 3, outcome.error
    # sent on the host it was given for, and not to another one after a redirect
    elsewhere = authed(server, "auth-elsewhere")
    outcome = refresh(db, [elsewhere], transport)["by_url"][elsewhere]  # type: ignore[index]
    assert outcome.error == "HTTP 401 Unauthorized"
    with Store(db) as store:
        stored = {f.url: f for f in store.feeds()}
    assert stored[url].url == url  # kept whole for the next fetch
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "feeds"]) == 0
    assert main([*data, "feeds", "--json"]) == 0
    assert main([*data, "articles"]) == 0
    assert main([*data, "export", "opml"]) == 0
    assert main([*data, "remove", url]) == 0
    out, err = capsys.readouterr()
    assert "reader:" not in out + err and "p%40ss" not in out + err and "***@127.0.0.1" in out
    assert server.base + "/auth" in out  # the export keeps the URL, not its credentials


def test_failure_lines_and_stored_errors_never_hold_credentials(tmp_path: Path) -> None:
    db = tmp_path / "newsreader.db"
    url = "http://someone:hunter2@127.0.0.1:9/feed"  # the discard port: nothing listens
    outcome = refresh(db, [url])["by_url"][url]  # type: ignore[index]
    assert outcome.error and "hunter2" not in outcome.error
    with Store(db) as store:
        (feed,) = store.feeds()
    assert feed.last_error and "hunter2" not in feed.last_error
    assert feed.display_title == "http://***@127.0.0.1:9/feed"


def test_address_scopes() -> None:
    cases = {
        "127.0.0.1": LOCAL, "127.8.9.10": LOCAL, "::1": LOCAL, "0.0.0.0": LOCAL,
        "::ffff:127.0.0.1": LOCAL, "10.1.2.3": PRIVATE, "172.16.0.1": PRIVATE,
        "192.168.1.1": PRIVATE, "169.254.169.254": PRIVATE, "100.64.0.1": PRIVATE,
        "fc00::1": PRIVATE, "fe80::1%eth0": PRIVATE, "93.184.216.34": PUBLIC,
        "2606:4700::1111": PUBLIC,
    }  # fmt: skip
    assert {a: ip_scope(a) for a in cases} == cases
    names = {"localhost": LOCAL, "feeds.localhost": LOCAL, "[::1]": LOCAL, "10.0.0.8": PRIVATE}
    assert {n: asyncio.run(address_scope(n)) for n in names} == names


async def _fetch(url: str, scopes: dict[str, int] | None = None) -> fetch.FetchResult:
    async def scope_of(host: str) -> int:
        return scopes[host] if scopes else await address_scope(host)

    async with Fetcher(FAST, scope_of=scope_of if scopes else None) as fetcher:
        return await fetcher.fetch(url)


def test_a_redirect_towards_a_more_private_network_is_refused(server: FeedServer) -> None:
    other = FeedServer().start()
    try:
        port = other.server_address[1]
        # our own machine's feed may send us to another port of it
        local = asyncio.run(_fetch(f"{server.base}/to-port-{port}"))
        assert local.status == "ok" and local.final_url.endswith(f":{port}/fast-moved")
        # a public host may not: as browsers' private network access, nor a private one
        for origin, refused in ((PUBLIC, "public address to a local one"),
                                (PRIVATE, "private address to a local one")):  # fmt: skip
            scopes = {"127.0.0.1": origin, "localhost": LOCAL}
            result = asyncio.run(_fetch(f"{server.base}/auth-elsewhere", scopes))
            assert result.status == "error" and result.error == f"redirect from a {refused} refused"
    finally:
        other.stop()
    assert [path for path, _ in other.requests] == ["/fast-moved"]


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_validators_that_are_no_header_values_are_not_kept(
    server: FeedServer, tmp_path: Path, transport: str
) -> None:
    db = tmp_path / "newsreader.db"
    url = f"{server.base}/latin1-validators"
    for _ in range(3):  # every later refresh works too
        outcome = refresh(db, [url], transport, force=False)["by_url"][url]  # type: ignore[index]
        assert outcome.ok, outcome.error
    with Store(db) as store:
        (feed,) = store.feeds()
    assert (feed.etag, feed.last_modified, feed.article_count) == ("", "", 3)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_server_that_hangs_up_says_so(server: FeedServer, tmp_path: Path, transport: str) -> None:
    url = f"{server.base}/hang-up"
    outcome = refresh(tmp_path / "n.db", [url], transport)["by_url"][url]  # type: ignore[index]
    assert outcome.error == "the server closed the connection without answering"


def test_a_retry_time_says_the_day_when_it_is_not_today_and_how_long() -> None:
    from newsreader.models import Feed
    from newsreader.text.phrases import feed_problem, moment

    now = 1_796_287_860.0  # Thu 2026-12-03 08:51 UTC
    assert moment(now + 120, now) == "at 08:53 UTC (in 2 min)"
    assert moment(now + 86_400, now) == "on Fri 04 Dec at 08:51 UTC (in 24 h)"
    assert moment(now + 15 * 3600 + 540, now) == "on Fri 04 Dec at 00:00 UTC (in 15 h 9 min)"
    assert moment(now + 40 * 86_400, now) == "on 2027-01-12 at 08:51 UTC (in 40 days)"
    feed = Feed(1, "https://x.example/", last_error="HTTP 429: the server asks to wait",
                next_fetch_after=now + 7200)  # fmt: skip
    assert feed_problem(feed, now) == (
        "HTTP 429: the server asks to wait; next try at 10:51 UTC (in 2 h)"
    )


def test_a_deferred_feed_says_when_it_is_tried_again(server: FeedServer, tmp_path: Path) -> None:
    server.mode = "bad"
    url = f"{server.base}/429-seconds"  # Retry-After: 120
    outcome = refresh(tmp_path / "s.db", [url])["by_url"][url]  # type: ignore[index]
    assert re.fullmatch(
        r"HTTP 429: the server asks to wait; next try (on \w+ \d\d \w+ )?at \d\d:\d\d UTC"
        r" \(in 2 min\)",
        outcome.error,
    ), outcome.error
    again = refresh(tmp_path / "s.db", [url])["by_url"][url]  # type: ignore[index]
    assert re.fullmatch(r"skipped until (on .* )?at \d\d:\d\d UTC \(in \d+ (s|min)\): HTTP 429: "
                        r"the server asks to wait", again.skipped), again.skipped  # fmt: skip
