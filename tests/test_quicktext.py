"""quick_text's compiled steps give the text of its Python reference, on any markup."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsreader.feeds.parse import parse_feed
from newsreader.text import htmldoc

pytestmark = pytest.mark.skipif(
    htmldoc._quicktext is None and os.environ.get("NEWSREADER_REQUIRE_COMPILED") != "1",
    reason="quick_text's compiled steps were not built (no C compiler at install)",
)


def compiled(html: str) -> str:
    assert htmldoc._quicktext is not None, "NEWSREADER_REQUIRE_COMPILED=1 and no compiled steps"
    return htmldoc.quick_text(html)


# What the tag patterns turn on: block and other tag names in both cases (and the four letters
# that match ASCII ones under IGNORECASE: İ ı ſ K), a name running on into a word, an unclosed
# '<', a '<' inside a tag, slashes, entities, comments, dropped elements, every kind of
# whitespace str.split() knows, NUL, letters outside the BMP.
PIECES = [
    *"<>/ab pP\n\t\x0b\x1c\xa0\u2003\u3000\x00&;#é𝒜_",
    "<p>", "</P>", "<br/>", "<BR>", "<hr>", "</br>", "<h1>", "<h7>", "<pre>", "<prefix>",
    "<div class='x'>", "<li", "<figcaption>", "<ſection>", "<lİ>", "<tr_>", "<b>", "<a href=y>",
    "<!-- c -->", "<!--", "-->", "<script>x</script>", "<style>", "&amp;", "&nbsp;", "&#10;",
    "&lt;p&gt;", " text ", "Word",
]  # fmt: skip
markup = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@settings(max_examples=1_000, deadline=None)
@given(html=markup)
def test_any_markup_gives_the_reference_text(html: str) -> None:
    assert compiled(html) == htmldoc.reference_quick_text(html)


@settings(max_examples=300, deadline=None)
@given(html=st.text(max_size=300))
def test_any_text_gives_the_reference_text(html: str) -> None:
    assert compiled(html) == htmldoc.reference_quick_text(html)


def test_every_body_and_page_of_the_corpora_gives_the_reference_text(shared: Path) -> None:
    bodies: list[str] = []
    for path in sorted((shared / "corpus" / "real-feeds").iterdir()):
        if path.suffix not in (".tsv", ".md"):
            parsed = parse_feed(path.read_bytes(), "", "https://example.com/")
            bodies += [a.body for a in parsed.articles if a.body_format == "html"]
    for page in sorted((shared / "fulltext" / "aeb" / "html").glob("*.html.gz"))[:60]:
        bodies.append(gzip.decompress(page.read_bytes()).decode("utf-8", "replace"))
    assert len(bodies) > 2_000
    differ = [
        n for n, body in enumerate(bodies) if compiled(body) != htmldoc.reference_quick_text(body)
    ]
    assert not differ, differ[:5]
