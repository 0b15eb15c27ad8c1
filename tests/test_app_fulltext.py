"""e in the reader: the article's page, read by a worker from a loopback server, in place of
the feed's text; e again goes back; a page with no article says so and changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.library.config import Config
from newsreader.library.paths import resolve
from newsreader.models import Article, ParsedFeed
from newsreader.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.readerpane import ReaderPane

from .feedserver import FeedServer
from .test_app_errors import _status, _until
from .test_fulltext import ARTICLE, PAYWALL

pytestmark = pytest.mark.ui


@pytest.fixture
def server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    server.pages["/wall"] = (ARTICLE.encode(), "text/html; charset=utf-8")
    server.pages["/stub"] = (PAYWALL.encode(), "text/html")
    yield server
    server.stop()


async def test_e_swaps_in_the_page_and_back(tmp_path: Path, server: FeedServer) -> None:
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed("https://gazette.test/feed")
        articles = tuple(
            Article(guid=path, title=title, url=f"{server.base}/{path}",
                    body=f"<p>Teaser of {title}.</p>", published=time.time() - n)
            for n, (path, title) in enumerate((("wall", "Wall"), ("stub", "Stub")))
        )  # fmt: skip
        store.store_feed(feed.id, ParsedFeed(title="Gazette", articles=articles))
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(app, pilot, lambda: app.main.view_total == 2)
        await pilot.press("enter")
        reader = app.query_one(ReaderPane)
        await _until(app, pilot, lambda: "Teaser of Wall" in reader.plain)
        await pilot.press("e")
        await _until(app, pilot, lambda: "sandbag barrier" in reader.plain)
        assert "Teaser of Wall" not in reader.plain and "full text · extracted" in reader.plain
        assert "Engineers survey the gap" in reader.plain  # the page's caption
        assert "full text" in _status(app)
        await pilot.press("e")
        await _until(app, pilot, lambda: "Teaser of Wall" in reader.plain)
        assert "from feed" in reader.plain and "sandbag" not in reader.plain
        await pilot.press("j", "enter")
        await _until(app, pilot, lambda: "Teaser of Stub" in reader.plain)
        await pilot.press("e")
        await _until(app, pilot, lambda: "no article text found" in _status(app))
        assert "Teaser of Stub" in reader.plain  # the feed's text stays


async def test_e_keeps_the_reading_position_as_a_share_of_the_article(
    tmp_path: Path, server: FeedServer
) -> None:
    """Halfway down the feed's text is halfway down the page's: the place, not the line."""
    said = "The harbour committee met again on the wall's {n}th day of repairs and heard a report."
    long_page = (
        "<html><body><article><h1>Long</h1>"
        + "".join(f"<p>{said.format(n=n)} {' '.join(['More detail.'] * 12)}</p>" for n in range(80))
        + "</article></body></html>"
    )
    server.pages["/long"] = (long_page.encode(), "text/html")
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed("https://gazette.test/feed")
        body = "".join(f"<p>Teaser paragraph {n} of the long story.</p>" for n in range(60))
        article = Article(guid="long", title="Long", url=f"{server.base}/long", body=body)
        store.store_feed(feed.id, ParsedFeed(title="Gazette", articles=(article,)))
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(app, pilot, lambda: app.main.view_total == 1)
        await pilot.press("enter")
        reader = app.query_one(ReaderPane)
        await _until(app, pilot, lambda: reader.max_scroll_y > 20)
        reader.scroll_to(y=reader.max_scroll_y // 2, animate=False)
        await pilot.pause()
        before = reader.scroll_y / reader.max_scroll_y
        assert 0.4 < before < 0.6
        await pilot.press("e")
        await _until(app, pilot, lambda: "More detail." in reader.plain)
        await pilot.pause()
        assert reader.max_scroll_y > 100  # the page is longer than the teaser
        assert abs(reader.scroll_y / reader.max_scroll_y - before) < 0.05
