"""Hostile and oversized feed documents: bounded, and per-feed errors rather than crashes."""

import json
import time

import pytest

from newsreader.feeds.parse import parse_feed
from newsreader.models import FeedError


def rss(items: str, extra_ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0" {extra_ns}><channel><title>T</title>'
        f"<link>https://t.example/</link>{items}</channel></rss>"
    ).encode()


def test_entity_expansion_bomb_is_defused() -> None:
    entities = '<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    for i in range(1, 12):
        prev = chr(ord("a") + i - 1)
        entities += f'<!ENTITY {chr(ord("a") + i)} "{("&" + prev + ";") * 10}">'
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
        "<title>&l;</title><item><title>x &l;</title><guid>1</guid></item></channel></rss>"
    ).encode()
    start = time.monotonic()
    feed = parse_feed(body)
    assert time.monotonic() - start < 5
    assert len(feed.articles) == 1
    assert len(feed.articles[0].title) < 100


def test_blank_lines_before_the_xml_declaration() -> None:
    assert (
        len(parse_feed(b"\n\n  " + rss("<item><title>a</title><guid>1</guid></item>")).articles)
        == 1
    )


def test_caps_on_items_titles_bodies_and_enclosures() -> None:
    enclosures = "".join(
        f'<enclosure url="https://t.example/{i}.mp3" type="audio/mpeg" length="{i}"/>'
        for i in range(80)
    )
    big = "<item><title>{}</title><guid>big</guid><description>{}</description>{}</item>".format(
        "T" * 5000, "&lt;p&gt;" + "word " * 300_000 + "&lt;/p&gt;", enclosures
    )
    items = big + "".join(f"<item><title>n{i}</title><guid>{i}</guid></item>" for i in range(1100))
    feed = parse_feed(rss(items))
    assert len(feed.articles) == 1000
    assert any("1000" in w for w in feed.warnings)
    first = feed.articles[0]
    assert len(first.title) == 1000
    assert len(first.body) <= 1_000_000
    assert len(first.enclosures) == 50


def test_dates_never_raise_and_implausible_years_are_unknown() -> None:
    dates = ["Mon, 01 Jan 1900 00:00:00 GMT", "not a date", "Tue, 01 Jan 2999 00:00:00 GMT"]
    dates.append("Wed, 04 Nov 2026 10:00:00 GMT")
    items = "".join(
        f"<item><title>t{i}</title><guid>{i}</guid><pubDate>{d}</pubDate></item>"
        for i, d in enumerate(dates)
    )
    feed = parse_feed(rss(items))
    assert [a.published is None for a in feed.articles] == [True, True, True, False]


def test_atom_related_links_and_source() -> None:
    body = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><id>urn:1</id><title>E</title><link href="https://a.example/e"/>
    <link rel="related" href="https://b.example/r" title="Background piece"/>
    <source><title>Origin Wire</title><link href="https://wire.example/"/></source>
    <content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>"""
    (article,) = parse_feed(body).articles
    assert [(r.title, r.url) for r in article.related_links] == [
        ("Background piece", "https://b.example/r")
    ]
    assert any(s.name == "Origin Wire" and s.kind == "agency" for s in article.sources)


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty"),
        (b"<!doctype html><html><body>hi</body></html>", "not a feed"),
        (b"just some text", "not a feed"),
        (b'{"items": "nope"}', "no items"),
        (b"[" * 10_000 + b"]" * 10_000, "nested deeper"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not valid"),
    ],
)
def test_bad_documents_are_feed_errors(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(body)


def test_json_feed_bad_items_are_skipped() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "title": "Good",
                "content_text": "Text",
                "date_published": "2026-11-01T00:00:00Z",
            },
            "a string",
            {"id": 2, "content_html": "<p>No title here but text</p>", "date_published": "garbage"},
            {"id": ["bad"], "title": ["bad"], "content_text": 5},
        ],
    }
    feed = parse_feed(json.dumps(doc).encode())
    assert feed.title == "J"
    assert [a.title for a in feed.articles][:2] == ["Good", "No title here but text"]
    assert feed.articles[1].published is None
    assert any("item 2" in w for w in feed.warnings)
