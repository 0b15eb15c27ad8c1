"""The reference parser's input is bounded and its time limit is real; every DOCTYPE goes."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from newsreader.feeds.parse import SHORT_FIELD_BYTES, parse_feed, prepare
from newsreader.library.refresh import RefreshOptions, refresh_feeds
from newsreader.store import Store

# not well-formed (a bare "&"), so the fast path hands it to feedparser
MALFORMED_HEAD = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tom & Jerry</title>'


def malformed_feed(items: bytes) -> bytes:
    return MALFORMED_HEAD + items + b"</channel></rss>"


def refresh_file(tmp_path: Path, body: bytes, **options: object) -> object:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(body)
    db = tmp_path / "newsreader.db"
    with Store(db) as store:
        store.add_feed(str(feed))
        feeds = store.feeds()
    opts = RefreshOptions(parse_workers=1, **options)  # type: ignore[arg-type]
    (outcome,) = asyncio.run(refresh_feeds(db, feeds, opts))
    return outcome


def test_a_huge_author_is_cut_before_feedparser_reads_it(tmp_path: Path) -> None:
    author = b"a." * 30_000  # 60 KB: feedparser's e-mail pattern is quadratic in it
    body = malformed_feed(
        b"<item><title>One</title><guid>1</guid><author>%s</author></item>" % author
    )
    outcome = refresh_file(tmp_path, body, parse_timeout=30.0)
    assert outcome.ok and outcome.new == 1, outcome.error  # type: ignore[attr-defined]
    with Store(tmp_path / "newsreader.db") as store:
        (row,) = store.page().rows
        article = store.article(row.id)
    assert article is not None and 0 < len(article.author) <= SHORT_FIELD_BYTES


def test_the_reference_parse_time_limit_stops_the_parse(tmp_path: Path) -> None:
    item = b"<item><title>Story %d</title><guid>%d</guid><description>%s</description></item>"
    markup = b"&lt;p&gt;a &lt;b&gt;word&lt;/b&gt;&lt;/p&gt;" * 60  # sanitised: seconds of work
    items = b"".join(item % (i, i, markup) for i in range(3000))  # 8 MB: 10 s of feedparser
    before = {t.ident for t in threading.enumerate()}
    outcome = refresh_file(tmp_path, malformed_feed(items), parse_timeout=0.5)
    assert outcome.error == "parsing took longer than 0.5 s"  # type: ignore[attr-defined]
    # nothing goes on parsing in this process: the worker's process was killed
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
        if not [t for t in busy if t.name.startswith("newsreader-parse")]:
            break
        time.sleep(0.05)
    assert not [t for t in busy if t.name.startswith("newsreader-parse")]
    # and the next malformed feed still parses, in a new worker process
    again = tmp_path / "again"
    again.mkdir()
    outcome = refresh_file(again, malformed_feed(item % (1, 1, b"fine")), parse_timeout=30.0)
    assert outcome.ok and outcome.new == 1, outcome.error  # type: ignore[attr-defined]


def test_every_doctype_is_removed_but_text_that_mentions_one_stays() -> None:
    laughs = b'<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    feed = (
        b'<rss version="2.0"><channel><title>T &amp; lol2;</title><item><title>x</title>'
        b"<guid>g</guid><description><![CDATA[Start with <!DOCTYPE and then the root]]>"
        b"</description></item></channel></rss>"
    )
    second = b'<?xml version="1.0"?><!DOCTYPE rss>' + b"<!-- pad -->" * 8000 + laughs + feed
    prepared = prepare(second)
    assert b"ENTITY" not in prepared and b"<!DOCTYPE rss" not in prepared
    for body in (feed, second):
        for reference in (False, True):
            parsed = parse_feed(body, reference=reference)
            (article,) = parsed.articles
            assert "Start with" in article.body and "the root" in article.body, reference
