"""Full text: the article in a page (pages written here), fetched from a loopback server,
stored, indexed and shown by ``newsreader extract`` and ``show --full``."""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from newsreader.cli import main
from newsreader.feeds.fetch import FetchSettings
from newsreader.library import Library
from newsreader.library.fulltext import fetch_article
from newsreader.library.paths import resolve
from newsreader.models import Article, NoArticleText, ParsedFeed
from newsreader.sources.fulltext import decode_page, extract_article
from newsreader.sources.pagefigures import read_figures, restore_figures
from newsreader.sources.pageprune import images_out_of_text
from newsreader.sources.redirects import decoded_link
from newsreader.sources.secondopinion import readability_body
from newsreader.store import Store

from .feedserver import FeedServer, closed_port_url

PARAGRAPHS = [
    "The national flood fund will pay seven million crowns towards rebuilding the eastern"
    " section of the harbour wall, which collapsed during the storm last week.",
    "Work on a new wall of concrete faced with the old stone is due to start in March and take"
    " eighteen months; until then the sandbag barrier along the wharf stays in place.",
    "The harbour master said the new wall would be eighty centimetres higher than the old one,"
    " to allow for rising sea levels, and that the engineers' report comes out next week.",
]
ARTICLE = (
    "<!doctype html><html><head><title>Wall repair funded | Gazette</title>"
    '<meta name="author" content="Mara Quist"></head><body>'
    '<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>'
    '<div class="cookie-banner">We use cookies. <button>Accept all</button></div>'
    "<article><h1>Flood fund pays for the harbour wall</h1>"
    f"<p>{PARAGRAPHS[0]}</p>"
    '<figure><img src="/img/wall.jpg" alt="The gap"><figcaption>Engineers survey the gap at low'
    " tide. Photograph: Port authority</figcaption></figure>"
    f"<p>{PARAGRAPHS[1]}</p><h2>Higher than before</h2>"
    f'<p>{PARAGRAPHS[2]} <a href="https://example.org/report">The report</a>.</p>'
    "<blockquote>We cannot leave the wharf exposed for another winter.</blockquote></article>"
    '<div class="share">Share on <a href="#">X</a></div><footer>Copyright the Gazette.'
    ' <a href="/privacy">Privacy</a></footer><script>track("reader")</script></body></html>'
)
LINKS = (
    "<html><body><ul>"
    + "".join(f'<li><a href="/story/{i}">Story number {i}</a></li>' for i in range(40))
    + "</ul></body></html>"
)
PAYWALL = (
    "<html><body><article><h1>Harbour deal</h1><p>Subscribe to read the rest of this article."
    "</p><button>Subscribe</button></article></body></html>"
)
HOSTILE = ARTICLE.replace(
    PARAGRAPHS[1],
    PARAGRAPHS[1] + " \x1b[31mred\x1b[0m [bold]not markup[/bold] \u202egnirts\u202c",
).replace('alt="The gap"', 'alt="\x1b]0;owned\x07[link=x]gap[/link]"')


def test_the_article_of_a_page_with_its_caption_and_credit_and_nothing_around_it() -> None:
    found = extract_article(ARTICLE, "https://gazette.test/2026/wall")
    assert all(p.split(";")[0] in found.text for p in PARAGRAPHS)
    for noise in ("cookies", "Share on", "Copyright", "track(", "Sport", "Privacy"):
        assert noise not in found.text and noise not in found.html, noise
    assert found.author == "Mara Quist" and found.title
    (caption,) = found.captions
    assert caption.text.startswith("Engineers survey the gap") and caption.credit == (
        "Photograph: Port authority"
    )
    assert caption.image_url == "https://gazette.test/img/wall.jpg"
    assert ("https://example.org/report", "The report") in found.links
    assert "<h2>" in found.html and "<blockquote>" in found.html


WORDPRESS = (
    "<html><head><title>Wall repair funded</title></head><body><article>"
    f"<h1>Flood fund pays for the harbour wall</h1><p>{PARAGRAPHS[0]}</p>"
    '<div class="wp-caption aligncenter"><img src="/img/wharf.jpg" alt="">'
    '<p class="wp-caption-text">Sandbags along the wharf on Tuesday morning.</p></div>'
    f"<p>{PARAGRAPHS[1]}</p>"
    '<div class="photo"><div class="caption-full">The old wall in 1950, before the storms.'
    '<a class="more"> less</a></div><div class="caption-truncated">The old wall in 1950,'
    '<a class="more"> ... more</a></div></div>'
    f"<p>{PARAGRAPHS[2]}</p></article>"
    '<section class="more-stories"><h3>More stories</h3>'
    + "".join(
        f'<div><a href="/story/{i}"><img src="/thumb/{i}.jpg" alt="Story {i}"></a>'
        f'<a href="/story/{i}">Council votes on the new ferry timetable, part {i}</a></div>'
        for i in range(6)
    )
    + "</section></body></html>"
)


def test_caption_markup_the_extractor_does_not_know_stays_a_caption_not_text() -> None:
    found = extract_article(WORDPRESS, "https://gazette.test/2026/wall")
    assert all(p.split(";")[0] in found.text for p in PARAGRAPHS)
    assert "Sandbags" not in found.text and "1950" not in found.text
    shown = [c.text for c in found.captions]
    assert "Sandbags along the wharf on Tuesday morning." in shown
    assert sum("The old wall in 1950" in c for c in shown) <= 1  # the short copy: not again
    (wharf,) = [c for c in found.captions if c.text.startswith("Sandbags")]
    assert wharf.image_url == "https://gazette.test/img/wharf.jpg"
    assert "ferry timetable" not in found.text and "thumb" not in found.html


def test_a_block_made_of_a_caption_and_its_short_copy_becomes_one_caption() -> None:
    from lxml import etree, html

    page = html.fromstring(
        '<div><div class="caption-full">The old wall in 1950, before the storms. <a>less</a>'
        '</div><div class="caption-truncated">The old wall in 1950, <a>... more</a></div></div>'
    )
    figures = read_figures(page, "https://gazette.test/")
    body = html.fromstring(
        "<body><p>The wall stood for a century.</p><ul><li>The old wall in 1950, before the"
        " storms. less The old wall in 1950, ... more</li></ul><p>The old wall in 1950, before"
        " the storms. less</p></body>"
    )
    restore_figures(body, figures)
    shown = etree.tostring(body, encoding="unicode")
    assert shown.count("<figcaption>") == 1 and "more" not in shown
    assert "<p>The wall stood for a century.</p>" in shown


def test_hidden_copies_and_paragraphs_linked_whole_are_read_as_a_browser_shows_them() -> None:
    page = (
        "<html><body><article><h1>Deals of the week</h1>"
        '<div style="display: none" itemscope><h1>Deals of the week</h1>'
        '<a href="/deals">Deals of the week, a hidden copy for machines</a></div>'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + '<div><img src="/img/dock.jpg" alt=""> The new dock opens in the spring, the council'
        " says, and the ferry will call there twice an hour in the summer months.</div>"
        "</article></body></html>"
    )
    found = extract_article(page, "https://gazette.test/deals")
    assert "hidden copy" not in found.text
    assert "ferry will call there twice an hour" in found.text
    linked = "".join(  # a shop's page: each paragraph is its affiliate link
        f'<h2>Offer {n}</h2><p><a href="https://shop.test/{n}">{PARAGRAPHS[n % 3]}'
        f" {PARAGRAPHS[(n + 1) % 3]}</a></p>"
        for n in range(6)
    )
    shop = f"<html><body><article><h1>Deals</h1>{linked}</article></body></html>"
    assert PARAGRAPHS[1][:40] in extract_article(shop, "https://gazette.test/d").text


def test_text_after_an_image_becomes_a_paragraph_of_its_own_before_extraction() -> None:
    from lxml import etree, html

    tree = html.fromstring(
        '<div><div class="entry">Loose text. <img src="/a.jpg"> After the image <b>bold</b>'
        ' too.<h3>Next</h3></div><p>In a <img src="/b.jpg"> paragraph.</p>'
        '<figure><img src="/c.jpg"> kept in its figure</figure></div>'
    )
    images_out_of_text(tree)
    shown = etree.tostring(tree, encoding="unicode")
    assert '<img src="/a.jpg"/><p> After the image <b>bold</b> too.</p><h3>' in shown
    assert '<img src="/b.jpg"/><p>In a  paragraph.</p>' in shown
    assert '<img src="/c.jpg"/> kept in its figure' in shown


def test_a_slideshow_read_by_the_second_opinion_says_each_caption_once() -> None:
    from lxml import etree

    slide = "<div class='slide'><p>The gap in the wall at low tide, seen from the pier.</p></div>"
    page = (
        "<html><body><div class='story'><h1>Wall</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + slide * 4
        + "</div></body></html>"
    )
    body = readability_body(page, "https://gazette.test/wall")
    shown = etree.tostring(body, encoding="unicode")
    assert shown.count("The gap in the wall at low tide") == 1
    assert all(p.split(";")[0] in shown for p in PARAGRAPHS)


def _wcxb_page(shared: Path, page_id: str) -> tuple[str, str, ModuleType]:
    folder = shared / "fulltext" / "wcxb-dev-articles"
    truth = json.loads((folder / "ground-truth" / f"{page_id}.json").read_text())
    spec = importlib.util.spec_from_file_location("wcxb_evaluate", folder / "evaluate.py")
    assert spec is not None and spec.loader is not None
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    with gzip.open(folder / "html" / f"{page_id}.html.gz") as page:
        return decode_page(page.read()), truth["ground_truth"]["main_content"], scorer


@pytest.mark.parametrize("page_id", ["0113", "0133", "0344", "4859"])
def test_a_page_the_first_extractor_reads_short_gets_a_second_opinion(
    shared: Path, page_id: str
) -> None:
    """Real pages (WCXB's, read from ../shared) on which trafilatura keeps a seventh to a half
    of the article (word F1 0.12-0.58 by the benchmark's own scorer): the main text is
    clearly longer, readability reads the page too, and its article is the one shown."""
    page, reference, scorer = _wcxb_page(shared, page_id)
    found = extract_article(page, "")
    assert scorer.word_f1(found.text, reference)[2] >= 0.85


@pytest.mark.parametrize(
    "page", [LINKS, PAYWALL, "", "not html at all"], ids=["links", "paywall", "empty", "text"]
)
def test_a_page_without_an_article_says_so(page: str) -> None:
    with pytest.raises(NoArticleText, match="no article text found"):
        extract_article(page, "https://gazette.test/x")


def test_the_extractors_own_failures_stay_off_the_terminal() -> None:
    """readability logs its failure with a traceback; with no logging set up (pytest sets
    some up, hence a process of its own) Python would print it on the reader's screen."""
    script = (
        "from newsreader.sources.secondopinion import readability_body\n"
        "assert readability_body('', 'https://gazette.test/x') is None\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == ""


def test_a_hostile_page_reaches_the_text_as_plain_literal_text() -> None:
    found = extract_article(HOSTILE, "https://gazette.test/x")
    for bad in ("\x1b", "\x07", "\u202e", "\u202c"):
        assert bad not in found.text and bad not in found.html
        assert all(bad not in c.text + c.alt + c.credit for c in found.captions)
    assert "[bold]not markup[/bold]" in found.text  # data, shown as typed (never markup)


def test_a_page_is_decoded_by_its_bytes_then_its_charset() -> None:
    assert decode_page("café".encode()) == "café"
    assert decode_page("café".encode("latin-1"), "text/html; charset=ISO-8859-1") == "café"
    assert decode_page('<meta charset="koi8-r">Привет'.encode("koi8-r")).endswith("Привет")
    assert decode_page(b"don\x92t") == "don\u2019t"  # no declaration: Windows-1252


@pytest.fixture
def server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    server.pages["/2026/wall"] = (ARTICLE.encode(), "text/html; charset=utf-8")
    server.pages["/feed.pdf"] = (b"%PDF-1.4", "application/pdf")
    yield server
    server.stop()


def test_fetching_a_page_with_the_refresh_fetcher(server: FeedServer) -> None:
    settings = FetchSettings(deadline=10, user_agent="newsreader-test")
    found = fetch_article(f"{server.base}/2026/wall", settings)
    assert PARAGRAPHS[2][:40] in found.text
    assert server.requests[-1][1]["user-agent"] == "newsreader-test"
    with pytest.raises(NoArticleText, match="not a web page"):
        fetch_article(f"{server.base}/feed.pdf", settings)
    with pytest.raises(NoArticleText, match="no web page to fetch"):
        fetch_article("file:///etc/passwd", settings)
    with pytest.raises(NoArticleText, match="cannot fetch"):
        fetch_article(closed_port_url(), settings)


def _google_news_link(target: str) -> str:
    """An article link shaped like Google News's: a protobuf with the URL, in base64."""
    raw = b"\x08\x13\x22" + bytes([len(target)]) + target.encode() + b"R\x02en"
    return "https://news.google.com/rss/articles/" + base64.urlsafe_b64encode(raw).decode()


def test_an_aggregators_link_is_followed_to_the_article(server: FeedServer) -> None:
    assert decoded_link(_google_news_link(f"{server.base}/2026/wall")) == f"{server.base}/2026/wall"
    newer = "https://news.google.com/rss/articles/CBMiAUFVX3lxTE1rZXlPbmx5QUFBQUFBQUFB?oc=5"
    assert decoded_link(newer) == newer  # no URL inside: its page is read instead
    assert (
        decoded_link("https://gazette.test/rss/articles/abc")
        == "https://gazette.test/rss/articles/abc"
    )

    def refresh_to(target: str) -> tuple[bytes, str]:
        page = f'<html><head><meta http-equiv="refresh" content="0;url={target}"></head></html>'
        return page.encode(), "text/html"

    server.pages["/hop"] = refresh_to("/2026/wall")
    server.pages["/script-hop"] = (
        b'<html><body><script>window.location.replace("\\/hop")</script></body></html>',
        "text/html",
    )
    server.pages["/loop"], server.pages["/loop2"] = refresh_to("/loop2"), refresh_to("/loop")
    server.pages["/to-file"] = refresh_to("file:///etc/passwd")
    settings = FetchSettings(deadline=10)
    found = fetch_article(f"{server.base}/script-hop", settings)
    assert PARAGRAPHS[2][:40] in found.text and found.url == f"{server.base}/2026/wall"
    with pytest.raises(NoArticleText, match="too many redirect pages"):
        fetch_article(f"{server.base}/loop", settings)
    with pytest.raises(NoArticleText, match="no article text found"):
        fetch_article(f"{server.base}/to-file", settings)


def _stored(data: Path, url: str) -> int:
    with Store(data / "newsreader.db") as store:
        feed = store.add_feed("https://gazette.test/feed")
        teaser = Article(guid="1", title="Flood fund pays", url=url, body="<p>A teaser.</p>",
                         published=time.time())  # fmt: skip
        store.store_feed(feed.id, ParsedFeed(title="Gazette", articles=(teaser,)))
        store.index_pending()
        return store.page().rows[0].id


def test_the_full_text_is_stored_once_and_searchable(tmp_path: Path, server: FeedServer) -> None:
    article_id = _stored(tmp_path, f"{server.base}/2026/wall")
    library = Library(resolve(tmp_path))
    assert library.search("sandbag")[0] == []  # only the page says it
    stored = library.full_text(article_id)
    assert stored is not None and "sandbag" in stored.text
    requests = len(server.requests)
    assert library.full_text(article_id) == stored and len(server.requests) == requests
    with Store(tmp_path / "newsreader.db") as store:
        store.index_pending()
    assert [r.id for r in library.search("sandbag")[0]] == [article_id]


def test_extract_and_show_full_on_the_command_line(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "wall.html"
    page.write_text(ARTICLE)
    (tmp_path / "stub.html").write_text(PAYWALL)
    args = ["--data-dir", str(tmp_path)]
    assert main([*args, "extract", "--json", str(page), str(tmp_path / "stub.html")]) == 1
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    found = json.loads(line)
    assert set(found) == {"source", "url", "title", "author", "published", "text", "captions",
                          "links", "ms"}  # fmt: skip
    assert found["source"] == str(page) and found["captions"][0]["credit"]
    stub = f"newsreader: {tmp_path / 'stub.html'}: no article text found"
    assert err.strip().splitlines() == [f"{stub} (the page has too few words of its own)"]
    assert main([*args, "extract", str(page), "--url", "https://gazette.test/a"]) == 0
    assert "[image] Engineers survey the gap" in capsys.readouterr()[0]
    article_id = _stored(tmp_path, f"{server.base}/2026/wall")
    assert main([*args, "show", str(article_id), "--full"]) == 0
    assert "sandbag barrier" in capsys.readouterr()[0]


def test_an_always_feed_reads_its_new_articles_pages_in_the_refresh(
    tmp_path: Path, server: FeedServer
) -> None:
    """After its articles are stored; a page with no article is one line on that article."""
    server.pages["/stub"] = (b"<html><body><p>Subscribe.</p></body></html>", "text/html")
    server.pages["/hop"] = (  # an aggregator's page that sends the browser on
        b"<html><head><script>location.href = '/2026/wall'</script></head></html>",
        "text/html",
    )
    items = "".join(
        f"<item><title>{name}</title><link>{server.base}/{path}</link><guid>{path}</guid>"
        f"<description>Teaser {name}</description></item>"
        for name, path in (("Wall", "hop"), ("Stub", "stub"))
    )
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>G</title>{items}</channel></rss>'
    )
    server.pages["/always.xml"] = (feed.encode(), "application/rss+xml")
    url = f"{server.base}/always.xml"
    (tmp_path / "config.toml").write_text(f'[feeds."{url}"]\nfull_text = "always"\n')
    args = ["--data-dir", str(tmp_path), "--config", str(tmp_path / "config.toml")]
    assert main([*args, "add", "--no-check", url]) == 0
    assert main([*args, "refresh"]) == 0
    library = Library(resolve(tmp_path, config_file=tmp_path / "config.toml"))
    (found,) = library.search("sandbag")[0]
    assert found.title == "Wall"
    with Store(tmp_path / "newsreader.db") as store:
        stub = next(r for r in store.page().rows if r.title == "Stub")
        failed = store.full_text(stub.id)
        assert failed is not None and failed.error.startswith("no article text found")
        assert store.feeds()[0].last_error is None  # never on the feed
    pages = [p for p, _ in server.requests if p in ("/hop", "/2026/wall", "/stub")]
    assert sorted(pages) == ["/2026/wall", "/hop", "/stub"]
    assert main([*args, "refresh", "--force"]) == 0  # pages are read once
    assert [p for p, _ in server.requests if p in ("/hop", "/2026/wall", "/stub")] == pages


def test_a_never_feed_does_not_read_pages(tmp_path: Path, server: FeedServer) -> None:
    (tmp_path / "config.toml").write_text('full_text = "never"\n')
    article_id = _stored(tmp_path, f"{server.base}/2026/wall")
    library = Library(resolve(tmp_path, config_file=tmp_path / "config.toml"))
    with pytest.raises(NoArticleText, match="off for this feed"):
        library.full_text(article_id)


def test_an_article_written_without_spaces_is_an_article() -> None:
    """Japanese has no spaces between words: its length is counted by characters."""
    sentence = "港の防波堤は先週の嵐で崩れ、市は来年の春に工事を始めると発表しました。"
    page = (
        "<html><head><title>防波堤</title></head><body><article><h1>防波堤の工事</h1>"
        + "".join(f"<p>{sentence}</p>" for _ in range(4))
        + "</article></body></html>"
    )
    found = extract_article(page, "https://gazette.test/ja")
    assert sentence in found.text and found.words < 10  # few spaces, yet an article


def test_a_feed_updating_its_article_keeps_the_page_text_indexed(
    tmp_path: Path, server: FeedServer
) -> None:
    article_id = _stored(tmp_path, f"{server.base}/2026/wall")
    library = Library(resolve(tmp_path))
    assert library.full_text(article_id) is not None
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.feeds()[0]
        edited = Article(guid="1", title="Flood fund pays", url=f"{server.base}/2026/wall",
                         body="<p>A teaser, edited.</p>", published=time.time())  # fmt: skip
        assert store.store_feed(feed.id, ParsedFeed(title="Gazette", articles=(edited,))).updated
        store.index_pending()
    assert [r.id for r in library.search("sandbag")[0]] == [article_id]
