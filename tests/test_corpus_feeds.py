"""Every real feed in ../shared/corpus/real-feeds parses, with the article count FEATURES.tsv
gives, and its captions, sources and enclosures extracted where the file has them."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from newsreader.feeds.parse import parse_feed
from newsreader.library.reading import complete_article
from newsreader.models import ParsedFeed, SourceKind

from .conftest import SHARED

pytestmark = pytest.mark.slow

CORPUS = SHARED / "corpus" / "real-feeds"


def _features() -> dict[str, dict[str, str]]:
    if not (CORPUS / "FEATURES.tsv").is_file():
        return {}
    with open(CORPUS / "FEATURES.tsv", encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


FEATURES = _features()
needs_corpus = pytest.mark.skipif(not FEATURES, reason=f"../shared corpus absent ({CORPUS})")


@cache
def parsed(name: str) -> ParsedFeed:
    return parse_feed(Path(CORPUS / name).read_bytes())


def _count(row: dict[str, str], column: str) -> int:
    value = row.get(column, "").strip()
    return int(value) if value.isdigit() else 0


@needs_corpus
def test_the_corpus_is_all_there() -> None:
    assert len(FEATURES) == 114


@needs_corpus
@pytest.mark.parametrize("name", sorted(FEATURES))
def test_feed_parses_with_expected_count_and_features(name: str) -> None:
    row = FEATURES[name]
    feed = parsed(name)
    assert len(feed.articles) == int(row["items"])
    articles = feed.articles
    assert all(a.guid for a in articles)
    assert len({a.guid for a in articles}) == len(articles)
    assert all(a.title for a in articles)
    if _count(row, "media_credit"):
        assert any(c.credit for a in articles for c in a.captions)
    if _count(row, "enclosures"):
        assert any(a.enclosures for a in articles)
    if _count(row, "source") and not row["format"].startswith("Atom"):  # Atom's are <picture>
        assert any(s.kind is SourceKind.AGENCY and s.name for a in articles for s in a.sources)
    if _count(row, "dc_creator") >= len(articles):
        assert any(a.authors for a in articles)  # some feeds leave dc:creator empty


@needs_corpus
def test_guardian_media_credit_and_malformed_xml() -> None:
    for name in ("guardian-world-rss2.xml", "guardian-international-rss2.xml"):
        credits = [c.credit for a in parsed(name).articles for c in a.captions]
        assert credits and all(credits)
        assert any(credit.startswith("Photograph") for credit in credits)


@needs_corpus
def test_nyt_media_description_is_a_caption_not_the_summary() -> None:
    first = complete_article(parsed("nytimes-homepage-rss2.xml").articles[0])
    assert first.captions[0].text.startswith("President-elect Donald J. Trump left One World")
    assert first.captions[0].credit == "Lucas Jackson/Reuters"
    assert first.text.startswith("U.S. intelligence agencies presented")
    assert "One World Trade Center" not in first.text + first.summary


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "theverge-frontpage-atom.xml",
        "medium-food-figcaption-rss2.xml",
        "medium-user-rss2-trimmed.xml",
        "cloudflare-blog-ghost-rss2.xml",
        "pappacoda-blog-atom.xml",
    ],
)
def test_figcaptions_become_captions(name: str) -> None:
    articles = [complete_article(a) for a in parsed(name).articles]
    captions = [c for a in articles for c in a.captions]
    assert any(c.text and c.image_url for c in captions)


@needs_corpus
def test_google_news_source_names() -> None:
    articles = parsed("google-news-top-stories-rss2.xml").articles
    names = [s.name for a in articles for s in a.sources if s.kind is SourceKind.AGENCY]
    assert len(names) == len(articles)
    assert "CNN" in names


@needs_corpus
def test_podcast_enclosures_have_type_and_length() -> None:
    articles = parsed("accidental-tech-podcast-rss2.xml").articles
    assert all(a.enclosures for a in articles)
    enclosure = articles[0].enclosures[0]
    assert enclosure.type.startswith("audio/") and enclosure.length


@needs_corpus
@pytest.mark.parametrize("name", [n for n in sorted(FEATURES) if n.endswith(".json")])
def test_json_feed_titles_and_bodies(name: str) -> None:
    articles = [complete_article(a) for a in parsed(name).articles]
    assert articles and all(a.title for a in articles)
    assert sum(1 for a in articles if a.text) >= len(articles) / 2


@needs_corpus
def test_items_sharing_one_link_stay_distinct() -> None:
    articles = parsed("nixos-news-rss2.xml").articles
    assert len({a.guid for a in articles}) == len(articles) == 99


@needs_corpus
def test_latin1_feed_decodes() -> None:
    articles = [complete_article(a) for a in parsed("golem-de-rss2-iso8859-1.xml").articles]
    titles = " ".join(a.title + a.text for a in articles)
    assert any(ch in titles for ch in "äöüÄÖÜß")
    assert "\ufffd" not in titles


@needs_corpus
def test_numbered_links_come_from_the_body() -> None:
    article = complete_article(parsed("cloudflare-blog-ghost-rss2.xml").articles[0])
    links = [s for s in article.sources if s.kind is SourceKind.LINK]
    assert links and all(s.url.startswith("http") for s in links)
