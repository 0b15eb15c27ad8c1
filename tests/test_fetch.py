"""Fetching against a real HTTP server on 127.0.0.1, started and stopped by the tests."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from newsreader.feeds.fetch import FetchSettings, parse_retry_after
from newsreader.library.refresh import RefreshOptions, refresh_feeds
from newsreader.store import Store

from .feedserver import ETAG, FeedServer, TLSFeedServer

FAST = FetchSettings(deadline=3.0, connect_timeout=2.0, max_bytes=1024 * 1024)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    yield srv
    srv.stop()


def refresh(
    db: Path, urls: list[str], transport: str = "aiohttp", **options: object
) -> dict[str, object]:
    with Store(db) as store:
        for url in urls:
            if store.feed_by_url(url) is None:
                store.add_feed(url)
        feeds = [store.feed_by_url(url) for url in urls]
    fetch = dataclasses.replace(FAST, transport=transport)
    opts = RefreshOptions(fetch=fetch, parse_workers=1, **options)  # type: ignore[arg-type]
    order: list[str] = []
    outcomes = asyncio.run(
        refresh_feeds(db, feeds, opts, progress=lambda o: order.append(o.feed.url))  # type: ignore[arg-type]
    )
    return {"by_url": {o.feed.url: o for o in outcomes}, "order": order}


def counts(db: Path) -> dict[str, int]:
    with Store(db) as store:
        return {f.url: f.article_count for f in store.feeds()}


FAILURES = {
    "404": "HTTP 404",
    "410": "HTTP 410 Gone",
    "500": "HTTP 500",
    "429-seconds": "HTTP 429",
    "429-date": "HTTP 429",
    "503-garbage": "HTTP 503",
    "loop-a": "redirect loop",
    "redirect9": "too many redirects",
    "to-file": "non-web URL refused (file:)",
    "to-js": "non-web URL refused (javascript:)",
    "drip": "timed out after 3 s",
    "slow-headers": "timed out after 3 s",
    "endless": "feed too large (> 1 MiB)",
    "gzip-bomb": "feed too large (> 1 MiB)",
    "gzip-of-gzip": "stacked content encodings refused",
    "gzip-nested": "not a feed",
    "brotli": "unsupported content encoding",
    "short-length": "truncated|malformed response",
    "reset": "connection reset",
    "html": "not a feed (got text/html)",
}


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_every_failure_is_one_line_and_keeps_stored_articles(
    server: FeedServer, tmp_path: Path, transport: str
) -> None:
    db = tmp_path / "s.db"
    urls = [f"{server.base}/{name}" for name in FAILURES]
    server.mode = "good"
    first = refresh(db, urls, transport)
    assert all(o.ok for o in first["by_url"].values())  # type: ignore[union-attr]
    before = counts(db)
    assert all(n == 3 for n in before.values())
    server.mode = "bad"
    start = time.monotonic()
    result = refresh(db, urls, transport, force=True)
    assert time.monotonic() - start < 15  # the deadline bounds every slow case, in parallel
    for name, expected in FAILURES.items():
        outcome = result["by_url"][f"{server.base}/{name}"]  # type: ignore[index]
        assert outcome.error is not None, name
        assert any(e in outcome.error for e in expected.split("|")), (name, outcome.error)
        assert "\n" not in outcome.error
    assert counts(db) == before
    with Store(db) as store:
        feed = store.feed_by_url(f"{server.base}/404")
        assert (
            feed is not None and feed.last_error == "HTTP 404 Not Found" and feed.error_count == 1
        )
        assert not any(path == "/etc/passwd" for path, _ in server.requests)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_conditional_get_round_trip(server: FeedServer, tmp_path: Path, transport: str) -> None:
    db = tmp_path / "s.db"
    server.mode = "bad"
    urls = [f"{server.base}/cond", f"{server.base}/cond-lm", f"{server.base}/unrequested-304"]
    first = refresh(db, urls, transport)["by_url"]
    assert first[urls[0]].new == 3 and first[urls[1]].new == 3  # type: ignore[index]
    assert first[urls[2]].unchanged  # an unrequested 304 is "no change", not an error
    with Store(db) as store:
        feed = store.feed_by_url(urls[0])
        assert feed is not None and feed.etag == ETAG
    second = refresh(db, urls, transport)["by_url"]
    assert all(o.unchanged and o.ok for o in second.values())  # type: ignore[union-attr]
    sent = [h for path, h in server.requests if path == "/cond"]
    assert sent[-1].get("if-none-match") == ETAG
    assert [h for path, h in server.requests if path == "/cond-lm"][-1].get("if-modified-since")
    assert sent[-1]["user-agent"].startswith("newsreader/")


@pytest.fixture
def untrusted_tls(tmp_path: Path) -> Iterator[TLSFeedServer]:
    """A TLS feed server whose certificate is self-signed."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed: no certificate to serve")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    srv = TLSFeedServer(str(cert), str(key)).start()
    yield srv
    srv.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_connection_that_fails_says_why(
    server: FeedServer, untrusted_tls: TLSFeedServer, tmp_path: Path, transport: str
) -> None:
    # httpx-aiohttp reports every one of these as a connect timeout
    port = server.server_address[1]
    expected = {
        f"http://127.0.0.1:{closed_port()}/feed": "connection refused",
        f"{untrusted_tls.base}/feed": "TLS certificate not trusted (self-signed certificate)",
        f"https://127.0.0.1:{port}/feed": "TLS error (",  # TLS spoken to a plain HTTP server
    }
    result = refresh(tmp_path / "s.db", list(expected), transport)["by_url"]
    for url, error in expected.items():
        assert result[url].error.startswith(error), (url, result[url].error)  # type: ignore[index]


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_an_unknown_host_says_so(tmp_path: Path, transport: str) -> None:
    host = "feed.invalid"  # RFC 6761: never resolves
    try:
        socket.getaddrinfo(host, 80)
    except socket.gaierror:
        pass
    else:
        pytest.skip(f"this machine's resolver answers for {host}")
    url = f"http://{host}/feed.xml"
    outcome = refresh(tmp_path / "s.db", [url], transport)["by_url"][url]  # type: ignore[index]
    assert outcome.error == "cannot resolve the host name"


def test_redirects_within_limit_and_permanent_move(server: FeedServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    urls = [f"{server.base}/redirect3", f"{server.base}/perm"]
    result = refresh(db, urls)["by_url"]
    assert result[urls[0]].new == 3 and result[urls[1]].new == 3  # type: ignore[index]
    with Store(db) as store:
        assert store.feed_by_url(f"{server.base}/perm") is None
        assert store.feed_by_url(f"{server.base}/perm-target") is not None
        assert store.feed_by_url(urls[0]) is not None  # a temporary redirect keeps the URL


def test_retry_after_defers_the_feed(server: FeedServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    server.mode = "bad"
    url = f"{server.base}/429-seconds"
    refresh(db, [url])
    server.mode = "good"
    again = refresh(db, [url])["by_url"][url]  # type: ignore[index]
    assert again.skipped.startswith("skipped until") and again.ok
    assert len([p for p, _ in server.requests if p == "/429-seconds"]) == 1
    forced = refresh(db, [url], honour_schedule=False)["by_url"][url]  # type: ignore[index]
    assert forced.new == 3


def test_slow_feed_does_not_hold_up_fast_ones(server: FeedServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    server.mode = "bad"
    urls = [f"{server.base}/slow"] + [f"{server.base}/fast{i}" for i in range(4)]
    result = refresh(db, urls)
    assert result["order"][-1] == urls[0]  # type: ignore[index]
    assert all(o.new == 3 for o in result["by_url"].values())  # type: ignore[union-attr]


def test_compressed_bodies_decode(server: FeedServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    server.mode = "bad"
    urls = [f"{server.base}/gzip-ok", f"{server.base}/deflate-ok"]
    result = refresh(db, urls)["by_url"]
    assert all(o.new == 3 for o in result.values())  # type: ignore[union-attr]


def test_retry_after_forms() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("999999", now) == 24 * 3600
    assert parse_retry_after(formatdate(now + 600, usegmt=True), now) == pytest.approx(600, abs=1)
    assert parse_retry_after("soon", now) == 3600
    assert parse_retry_after(None, now) == 3600


def test_per_feed_overrides(server: FeedServer, tmp_path: Path) -> None:
    from newsreader.library.config import load

    server.mode = "bad"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[feeds."{server.base}/drip"]\ntimeout_seconds = 1\n'
        f'[feeds."{server.base}/fast-big"]\nmax_body_bytes = 1024\n'
        f'[feeds."{server.base}/fast2"]\nuser_agent = "custom-agent/1"\n'
    )
    overrides = load(config).feeds
    urls = [f"{server.base}/drip", f"{server.base}/fast-big", f"{server.base}/fast2"]
    result = refresh(tmp_path / "s.db", urls, overrides=overrides)["by_url"]
    assert result[urls[0]].error == "timed out after 1 s"  # type: ignore[index]
    assert result[urls[1]].error == "feed too large (> 1 KiB)"  # type: ignore[index]
    assert result[urls[2]].new == 3  # type: ignore[index]
    agents = [h["user-agent"] for path, h in server.requests if path == "/fast2"]
    assert agents == ["custom-agent/1"]


def test_bad_config_is_one_line(tmp_path: Path) -> None:
    from newsreader.library.config import load
    from newsreader.models import UsageError

    config = tmp_path / "config.toml"
    config.write_text('[feeds."https://x.example/"]\ntimeout_seconds = "soon"\n')
    with pytest.raises(UsageError, match=r"timeout_seconds = 'soon': must be a number of seconds"):
        load(config)
    config.write_text("concurrency = [")
    with pytest.raises(UsageError, match="not valid TOML"):
        load(config)


def test_a_parse_past_its_time_limit_is_abandoned(server: FeedServer, tmp_path: Path) -> None:
    server.mode = "good"
    url = f"{server.base}/fast9"
    result = refresh(tmp_path / "s.db", [url], parse_timeout=0.000001)["by_url"][url]  # type: ignore[index]
    assert result.error is not None and result.error.startswith("parsing took longer than")


@pytest.mark.slow
def test_a_large_refresh_is_indexed_in_a_process_of_its_own(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More new articles than an indexing batch are indexed by ``newsreader.store.indexjob`` in a
    lean process of its own, started as soon as the refresh has stored that many; a small
    refresh indexes in its own process. Either way search and
    related articles have every article when the refresh returns."""
    from newsreader.store import postings

    started: list[tuple[object, ...]] = []
    real = asyncio.create_subprocess_exec

    async def recorded(*args: object, **kwargs: object) -> object:
        started.append(args)
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(asyncio, "create_subprocess_exec", recorded)
    server.mode = "good"
    db = tmp_path / "s.db"
    small, large = f"{server.base}/few", f"{server.base}/many"
    assert refresh(db, [small])["by_url"][small].new == 3  # type: ignore[index]
    assert started == []
    assert refresh(db, [small, large])["by_url"][large].new == 600  # type: ignore[index]
    # started once the refresh had stored more than a batch, to index alongside it
    assert [(*args[1:4], args[-1]) for args in started] == [
        ("-P", "-m", "newsreader.store.indexjob", "--follow")
    ]
    with Store(db) as store:
        assert store.pending_index_count() == 0
        assert [r.title for r in store.search("599")] == ["many-Item 599"]
        assert postings.docs_count(store.db) == 603


def test_a_refresh_of_unchanged_feeds_loads_no_parser(server: FeedServer, tmp_path: Path) -> None:
    """Every feed answers 304: the refresh (the command, in an interpreter of its own) starts
    no parse worker and imports neither the feed parsers nor the rules' engine."""
    urls = [f"{server.base}/cond", f"{server.base}/cond-lm"]
    first = refresh(tmp_path / "newsreader.db", urls)["by_url"]
    assert all(o.new == 3 for o in first.values())  # type: ignore[attr-defined]
    code = (
        "import sys\n"
        "from newsreader.cli import main\n"
        f"code = main(['--data-dir', {str(tmp_path)!r}, '--config', {str(tmp_path / 'c.toml')!r},"
        " 'refresh', '--json'])\n"
        "loaded = ('newsreader.feeds.parse', 'newsreader.sources.local', 'regex')\n"
        "print(code, ','.join(sorted(m for m in sys.modules if m.startswith(loaded))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    *report, last = done.stdout.splitlines()
    assert last == "0 ", done.stdout + done.stderr
    assert [o["unchanged"] for o in json.loads("\n".join(report))] == [True, True]
