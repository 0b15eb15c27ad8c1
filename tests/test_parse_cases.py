"""Minimal documents, one per way a feed can be read wrong, each read by both paths: the
default (the lxml fast path, feedparser for what it declines) and the reference (feedparser).

A case names what it checks (``feed.title``, ``0.url``: the first article's link, ``count``…)
and the value both paths must give; ``fast`` says the default path must read it without
falling back (a well-formed document). Written for newsreader; the shapes are the ones other
projects' feed test suites test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from newsreader.feeds.fastparse import parse_fast
from newsreader.feeds.parse import parse_feed, prepare
from newsreader.models import ParsedFeed

UTC_2024 = 1704103200.0  # Mon, 01 Jan 2024 10:00:00 UTC


@dataclass
class Case:
    name: str
    document: bytes
    expected: dict[str, Any]
    base_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    fast: bool = True  # the default path reads it without feedparser


def rss(items: str, channel: str = "", base: str = "") -> bytes:
    """An RSS 2.0 document; ``channel``: what goes before the items (a title and a link)."""
    channel = channel or "<title>Feed</title><link>http://x.test/</link>"
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"{base}>'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


def item(inner: str) -> str:
    return f"<item>{inner}</item>"


def atom(entries: str, feed: str = "<title>Feed</title><id>urn:f</id>", attrs: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{attrs}>{feed}{entries}</feed>'
    ).encode()


def entry(inner: str, attrs: str = "") -> str:
    return f"<entry{attrs}><id>urn:e1</id>{inner}</entry>"


def _value(parsed: ParsedFeed, key: str) -> Any:
    if key == "count":
        return len(parsed.articles)
    if key.startswith("feed."):
        return getattr(parsed, key[5:])
    index, _, name = key.partition(".")
    article = parsed.articles[int(index)]
    if name == "sources":
        return [(s.kind.value, s.name, s.url) for s in article.sources if s.kind != "origin"]
    if name == "body_links":
        return re.findall(r'(?:href|src)="([^"]*)"', article.body)
    return getattr(article, name)


SCRIPT_TITLE = "&lt;!--c--&gt;&lt;script&gt;alert(1)&lt;/script&gt;Title"
ATOM03_ESCAPED = (
    b'<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>F</title>'
    b'<entry><id>e</id><title mode="escaped" type="text/html">A &lt;em&gt;fine&lt;/em&gt; day'
    b"</title></entry></feed>"
)
XHTML_TITLE = (
    '<title type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml">'
    "Big <b>news</b></div></title>"
)
BASE_ENTRY = entry(
    '<title>t</title><link href="post/1"/><content type="html" xml:base="http://cdn.test/a/">'
    '&lt;a href="b.html"&gt;b&lt;/a&gt; &lt;img src="i.png"&gt;</content>',
    attrs=' xml:base="http://x.test/blog/"',
)
RELATIVE_ITEM = item(
    "<title>t</title><link>/p/1</link>"
    "<description>&lt;a href=&quot;../q.html&quot;&gt;q&lt;/a&gt;</description>"
)
ZONES = {"ET": "05", "CT": "04", "MT": "03", "PT": "02", "AT": "06", "MET": "11", "MEST": "12"}
ZONES |= {"EDT": "06", "GMT": "10", "+0200": "12", "-05:00": "05", "Z": "10"}

NAMESPACES = (
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom" xmlns:xhtml="http://www.w3.org/1999/xhtml"'
)
LATIN1 = (
    b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>F</title>'
    b"<item><guid>1</guid><title>don\x92t \x93quote\x94 caf\xe9</title></item></channel></rss>"
)
UNDECLARED_LATIN1 = b'<?xml version="1.0"?>' + LATIN1[LATIN1.index(b"?>") + 2 :]
RSS1_IN_CHANNEL = (
    b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    b' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://x.test/"><title>F</title>'
    b'<link>http://x.test/</link><item rdf:about="http://x.test/1"><title>inside</title>'
    b"<link>http://x.test/1</link></item></channel>"
    b'<item rdf:about="http://x.test/2"><title>beside</title><link>http://x.test/2</link></item>'
    b"</rdf:RDF>"
)
NO_ID = item(
    "<title>No id</title><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>"
    "<description>&lt;p&gt;Words &lt;script&gt;x()&lt;/script&gt;here&lt;/p&gt;</description>"
)


def rich(inner: str, channel: str = "<title>F</title>") -> bytes:
    """An RSS item with the namespaces of the modules feeds mix into RSS."""
    return (
        f'<?xml version="1.0"?><rss version="2.0"{NAMESPACES}><channel>{channel}'
        f"<item><guid>g</guid>{inner}</item></channel></rss>"
    ).encode()


CASES = [
    # 1-2. titles: HTML turned into text once, text kept as written
    Case(
        "atom feed title of type html",
        atom(
            entry("<title>t</title>"), feed='<title type="html">Ex &lt;b&gt;Atom&lt;/b&gt;</title>'
        ),
        {"feed.title": "Ex Atom"},
    ),
    Case(
        "rss title escaped twice",
        rss(item("<title>AT&amp;amp;T</title>"), channel="<title>AT&amp;amp;T</title>"),
        {"feed.title": "AT&T", "0.title": "AT&T"},
    ),
    Case(
        "html title with a comment and a script",
        atom(entry(f'<title type="html">{SCRIPT_TITLE}</title>')),
        {"0.title": "Title"},
    ),
    Case("atom 0.3 escaped text/html title", ATOM03_ESCAPED, {"0.title": "A fine day"}),
    Case("xhtml title by its MIME type", atom(entry(XHTML_TITLE)), {"0.title": "Big news"}),
    Case(
        "entities without a tag",
        atom(entry('<title type="html">Q&amp;amp;A session</title>')),
        {"0.title": "Q&A session"},
    ),
    Case(
        "a text title that names a tag",
        atom(entry('<title type="text">Using the &lt;p&gt; tag</title>')),
        {"0.title": "Using the <p> tag"},
    ),
    Case(
        "an rss title that names a tag",
        rss(item("<title>Using the &lt;p&gt; tag</title>")),
        {"0.title": "Using the <p> tag"},
    ),
    # 3. xml:base and the document's URL
    Case(
        "relative links by xml:base",
        atom(BASE_ENTRY),
        {
            "0.url": "http://x.test/blog/post/1",
            "0.body_links": ["http://cdn.test/a/b.html", "http://cdn.test/a/i.png"],
        },
    ),
    Case(
        "relative links by the document's URL",
        rss(RELATIVE_ITEM, channel="<title>F</title><link>/</link>"),
        {
            "feed.site_url": "http://x.test/",
            "0.url": "http://x.test/p/1",
            "0.body_links": ["http://x.test/q.html"],
        },
        base_url="http://x.test/feeds/rss",
    ),
    # 5. dates: offsets and zone names, one instant whatever the parser
    *[
        Case(
            f"rfc 822 zone {zone}",
            rss(item(f"<guid>g</guid><pubDate>Mon, 01 Jan 2024 {hour}:00:00 {zone}</pubDate>")),
            {"0.published": UTC_2024},
        )
        for zone, hour in ZONES.items()
    ],
    Case(
        "rfc 822 offset with a colon",
        rss(item("<guid>g</guid><pubDate>Mon, 01 Jan 2024 15:30:00 +05:30</pubDate>")),
        {"0.published": UTC_2024},
    ),
    Case(
        "w3c-dtf with an offset",
        atom(entry("<title>t</title><published>2024-01-01T12:00:00+02:00</published>")),
        {"0.published": UTC_2024},
    ),
    # 6. one bad link costs only itself
    Case(
        "a malformed link and guid",
        rss(
            item("<title>kept</title><guid>http://example.c[o.test/</guid>")
            + item("<title>next</title><guid>2</guid><link>http://example.c[o.test/</link>")
        ),
        {"count": 2, "0.title": "kept", "1.title": "next"},
    ),
    # 8. sources
    Case(
        "a source with a link and no title",
        rss(
            item('<title>t</title><guid>g</guid><source url="http://wire.test/rss"></source>'),
            channel="<title>Feed</title>",
        ),
        {"0.sources": [("publisher", "Feed", ""), ("agency", "", "http://wire.test/rss")]},
    ),
    # 4. encodings
    Case(
        "windows-1252 punctuation in a latin-1 feed",
        LATIN1,
        {"0.title": "don\u2019t \u201cquote\u201d caf\u00e9"},
    ),
    Case(
        "the http charset",
        UNDECLARED_LATIN1,
        {"0.title": "don\u2019t \u201cquote\u201d caf\u00e9"},
        headers={"Content-Type": "application/rss+xml; charset=ISO-8859-1"},
        fast=False,
    ),
    # 6. items where they are not meant to be, and a DOCTYPE inside CDATA
    Case("rss 1.0 items inside the channel", RSS1_IN_CHANNEL, {"count": 2}),
    Case(
        "an item element in an atom feed",
        atom("<item><id>urn:i</id><title>as item</title></item>" + entry("<title>e</title>")),
        {"count": 2, "0.title": "as item"},
    ),
    Case(
        "a doctype inside cdata",
        rss(item("<guid>1</guid><description><![CDATA[<!DOCTYPE html><p>x</p>]]></description>")),
        {"count": 1, "0.text": ""},
    ),
    # 7. content in the other places feeds put it
    Case(
        "xhtml:body",
        rich("<xhtml:body><p>hello <b>x</b></p></xhtml:body>"),
        {"0.body": "<p>hello <b>x</b></p>"},
    ),
    Case("body", rich("<body><p>hello</p></body>"), {"0.body": "<p>hello</p>"}),
    Case(
        "fullitem", rich("<fullitem>&lt;p&gt;full&lt;/p&gt;</fullitem>"), {"0.body": "<p>full</p>"}
    ),
    Case(
        "atom elements in an rss item",
        rich(
            "<atom:author><atom:name>AA</atom:name></atom:author><atom:content type='html'>"
            "&lt;p&gt;AC&lt;/p&gt;</atom:content><atom:published>2024-01-01T10:00:00Z"
            "</atom:published>"
        ),
        {"0.authors": ("AA",), "0.body": "<p>AC</p>", "0.published": UTC_2024},
    ),
    Case(
        "base64 content of another media type",
        atom(
            entry(
                '<title>t</title><content type="application/octet-stream">'
                "SGVsbG8gd29ybGQ=</content>"
            )
        ),
        {"0.body": "Hello world", "0.body_format": "text"},
    ),
    Case(
        "an unclosed object's fallback text",
        rich("<description>&lt;p&gt;before &lt;object data='x'&gt;fallback text</description>"),
        {"0.summary": "", "0.title": "before fallback text"},
    ),
    Case(
        "channel dc:title",
        rich("<title>t</title>", channel="<dc:title>DC</dc:title>"),
        {"feed.title": "DC"},
    ),
    Case("dc:author", rich("<dc:author>Jane</dc:author>"), {"0.authors": ("Jane",)}),
    Case("media:title", rich("<media:title>Media title</media:title>"), {"0.title": "Media title"}),
    Case(
        "media:category",
        rich("<media:category>Science</media:category>"),
        {"0.categories": ("Science",)},
    ),
    Case(
        "media:description of an item with no image",
        rich("<title>t</title><media:description>The episode's notes</media:description>"),
        {"0.body": "The episode's notes"},
    ),
    Case(
        "an atom category's label",
        atom(entry('<title>t</title><category term="sci-tech" label="Science &amp; tech"/>')),
        {"0.categories": ("Science & tech",)},
    ),
    # 8. people
    *[
        Case(f"author {written}", rich(f"<author>{written}</author>"), {"0.authors": ("Jane Doe",)})
        for written in (
            "jane@x.test (Jane Doe)",
            "Jane Doe (jane@x.test)",
            "Jane Doe &lt;jane@x.test&gt;",
        )
    ],
    Case(
        "a publisher with an address",
        rich("<dc:publisher>Pub Co (pub@x.test)</dc:publisher>", channel="<title>F</title>"),
        {"0.sources": [("publisher", "F", ""), ("publisher", "Pub Co", "")]},
    ),
    Case(
        "a category with markup in it",
        rich("<category>a <b>b</b> c</category>"),
        {"0.categories": ("a c",)},
    ),
]


@pytest.mark.parametrize("path", ["default", "reference"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_both_paths_read_it(case: Case, path: str) -> None:
    if path == "default":
        parsed = parse_feed(case.document, case.headers, case.base_url)
        if case.fast:
            assert parse_fast(prepare(case.document), case.base_url) is not None, "fell back"
    else:
        parsed = parse_feed(case.document, case.headers, case.base_url, reference=True)
    found = {key: _value(parsed, key) for key in case.expected}
    assert found == case.expected


def test_an_item_without_id_or_link_has_one_id_whatever_the_parser() -> None:
    """A feed briefly not well-formed takes the other path: its items must not come twice."""
    document = rss(NO_ID)
    fast = parse_feed(document).articles[0].guid
    assert parse_fast(prepare(document)) is not None
    assert fast == parse_feed(document, reference=True).articles[0].guid
    assert fast.startswith("sha256:")


def test_the_truncation_check_reads_wide_encodings_and_any_case() -> None:
    from newsreader.library.refresh import parse_body
    from newsreader.models import FeedError

    document = rss(item("<guid>1</guid><title>Caf\u00e9</title>")).decode()
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        wide = document.replace('encoding="utf-8"', f'encoding="{codec[:6]}"').encode(codec)
        assert parse_body(wide).articles[0].title == "Caf\u00e9", codec
        with pytest.raises(FeedError, match="truncated"):
            parse_body(wide[: len(wide) // 2])
    shouting = b'<?xml version="1.0"?><RSS version="2.0"><CHANNEL><title>x</title></CHANNEL></RSS>'
    assert parse_body(shouting) is not None
