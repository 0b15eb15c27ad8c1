"""The reader on a store it cannot use, and quitting while a refresh runs. Pilot, real stores,
a real loopback feed server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.library.config import Config
from newsreader.library.paths import resolve
from newsreader.models import UNREAD, Article, ParsedFeed
from newsreader.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.mainscreen import MainScreen

from .feedserver import FeedServer
from .test_app import _open_title, _settle

pytestmark = pytest.mark.ui


async def _until(app: NewsreaderApp, pilot, condition) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``condition``, at most 15 s; workers that fail are what these tests expect."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not condition():
        await pilot.pause(0.02)
    assert condition(), "condition not met"


def _store_articles(data: Path, articles: tuple[Article, ...], feed_title: str = "Feed") -> None:
    """A store in ``data`` with one feed holding ``articles``."""
    with Store(data / "newsreader.db") as store:
        feed = store.add_feed(str(data / "f.xml"))
        store.store_feed(feed.id, ParsedFeed(title=feed_title, articles=articles))


def _status(app: NewsreaderApp) -> str:
    return str(app.query_one("#status").render())


def _damaged(data: Path) -> Path:
    (data / "newsreader.db").write_bytes(b"this is not a database, just words " * 200)
    return data


def _newer(data: Path) -> Path:
    with Store(data / "newsreader.db") as store:
        store.db.execute("PRAGMA user_version = 99")
    return data


def _a_file(data: Path) -> Path:
    target = data / "in-the-way"
    target.write_text("mine")
    return target


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_damaged, "file is not a database"),
        (_newer, "was written by a newer newsreader (schema 99)"),
        (_a_file, "in-the-way is a file, not a folder"),
    ],
)
async def test_a_store_it_cannot_use_is_said_on_screen_in_one_line(
    tmp_path: Path, make, said: str
) -> None:
    data = make(tmp_path)
    app = NewsreaderApp(resolve(data, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(app, pilot, lambda: said in _status(app))
        assert "\n" not in _status(app).strip() and app.is_running


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    srv.mode = "bad"
    yield srv
    srv.stop()


async def test_quitting_during_a_refresh_stops_it_and_marks_no_feed_failed(
    tmp_path: Path, server: FeedServer
) -> None:
    with Store(tmp_path / "newsreader.db") as store:
        for i in range(12):
            store.add_feed(f"{server.base}/fast{i}")
        for i in range(6):
            store.add_feed(f"{server.base}/slow?{i}")  # 1.5 s each: still running at the quit
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    before = set(threading.enumerate())
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("R")
        await _until(app, pilot, lambda: app.main.refresh_running.is_set())
        await _until(app, pilot, lambda: "refreshing" in app.sub_title)
        await pilot.press("q")
    # the refresh winds down with the app (fetches cancelled): nothing of it runs on
    assert app.main.stop_refresh(timeout=10)
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("newsreader")]
    with Store(tmp_path / "newsreader.db") as store:
        assert [f.last_error for f in store.feeds() if f.last_error] == []


def test_constructing_the_app_writes_no_state(tmp_path: Path) -> None:
    """The config's theme is applied, not remembered as the user's choice."""
    NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config(theme="nord"))
    assert not (tmp_path / "state.json").exists()


async def test_the_reader_lists_what_another_process_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsreader.ui import mainscreen
    from newsreader.ui.articlelist import ArticleList

    monkeypatch.setattr(mainscreen, "WATCH_SECONDS", 0.1)
    db = tmp_path / "newsreader.db"
    with Store(db) as store:
        feed = store.add_feed(str(tmp_path / "f.xml"))
        first = (Article(guid="a", title="First story", published=time.time() - 60),)
        store.store_feed(feed.id, ParsedFeed(title="Feed", articles=first))
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        assert app.main.unread_total == 1
        with Store(db) as store:  # a cron refresh, and another reader marking one read
            later = (Article(guid="b", title="Second story", published=time.time()),)
            store.store_feed(feed.id, ParsedFeed(title="Feed", articles=first + later))
            store.set_read([store.page().rows[-1].id])
        await _until(app, pilot, lambda: app.query_one(ArticleList).total == 2)
        await _until(app, pilot, lambda: app.main.unread_total == 1 and "1 unread" in app.sub_title)


@pytest.mark.slow
def test_a_second_refresh_of_a_store_is_refused_at_once(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    from newsreader.cli import main

    with Store(tmp_path / "newsreader.db") as store:
        store.add_feed(f"{server.base}/slow")
    first = subprocess.Popen(
        [sys.executable, "-m", "newsreader", "--data-dir", str(tmp_path), "refresh"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        lock = tmp_path / "newsreader.db.refresh-lock"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (lock.exists() and lock.read_text()):
            time.sleep(0.01)
        code = main(["--data-dir", str(tmp_path), "refresh"])
        err = capsys.readouterr().err
        assert code == 1, err
        assert f"a refresh of this store is already running (process {first.pid})" in err
    finally:
        assert first.wait(60) == 0
    assert main(["--data-dir", str(tmp_path), "refresh"]) == 0  # and free again after it


async def test_search_takes_news_words_and_highlights_them(tmp_path: Path) -> None:
    from newsreader.ui.articlelist import ArticleList
    from newsreader.ui.readerpane import ReaderPane

    articles = (
        Article(guid="1", title="COVID-19 cases fall in Port Ellery",
                body="<p>The covid-19 ward closed. Calm after covid.</p>"),
        Article(guid="2", title="A plain harbour story", body="<p>Nothing here.</p>"),
    )  # fmt: skip
    _store_articles(tmp_path, articles)
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())

    def underlined(strip: object) -> list[str]:
        return [s.text for s in strip if s.style and s.style.underline]  # type: ignore[attr-defined]

    async with app.run_test(size=(160, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"COVID-19", "enter")
        await _until(app, pilot, lambda: app.main.view.kind == "search")
        article_list = app.query_one(ArticleList)
        assert article_list.total == 1
        assert underlined(article_list.render_line(0)) == ["COVID-19"]
        await pilot.press("enter")
        reader = app.query_one(ReaderPane)
        await _until(app, pilot, lambda: "ward closed" in reader.plain)
        marked = [
            t for y in range(reader.virtual_size.height) for t in underlined(reader.render_line(y))
        ]
        assert marked.count("COVID-19") == 1 and marked.count("covid-19") == 1, marked
        await pilot.press("escape", "escape")  # back to all articles: nothing highlighted
        await _until(app, pilot, lambda: app.main.view.kind == "all")
        assert app.query_one(ArticleList).match is None


async def test_keys_act_on_what_the_cursor_shows(tmp_path: Path) -> None:
    """Beside the list, y and b act on the highlighted row, not the article read last; in the
    reader they act on the open article; the key bar says how to go back."""
    import json

    from newsreader.ui.articlelist import ArticleList
    from newsreader.ui.keybar import KeyBar

    articles = tuple(
        Article(guid=str(i), title=f"Story {i}", url=f"https://x.example/{i}",
                body=f"<p>Body {i}</p>", published=time.time() - i * 60)
        for i in range(3)
    )  # fmt: skip
    _store_articles(tmp_path, articles)
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(200, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")  # Story 0 is read beside the list, which keeps the focus
        await _until(app, pilot, lambda: _open_title(app) == "Story 0")
        await pilot.press("j", "j", "y")
        assert app.query_one(ArticleList).current.title == "Story 2"  # type: ignore[union-attr]
        assert app.clipboard == "https://x.example/2"
        await pilot.press("b")
        await _until(app, pilot, lambda: (tmp_path / "b.json").exists())
        saved = json.loads((tmp_path / "b.json").read_text())["bookmarks"]
        assert [b["url"] for b in saved] == ["https://x.example/2"]
        await pilot.press("tab")  # the reader has the focus: the article it shows
        await pilot.press("y")
        assert app.main.article is not None and app.clipboard == app.main.article.url
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(80, 24)) as pilot:  # one pane: the reader takes the screen
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.panes.has_class("-reading"))
        await _until(app, pilot, lambda: " Back " in str(app.query_one(KeyBar).render()))


async def test_b_bookmarks_every_demo_article(tmp_path: Path) -> None:
    """A local article file without a link is bookmarked by its file's URL (b did nothing,
    and said nothing, on 18 of the 32 demo articles)."""
    import json

    from newsreader.library.demo import prepare_demo
    from newsreader.ui.articlelist import ArticleList

    data = prepare_demo()
    marks = tmp_path / "b.json"
    app = NewsreaderApp(resolve(data, bookmarks_file=marks), Config(), demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        total = app.query_one(ArticleList).total
        for done in range(1, total + 1):
            await pilot.press("b")
            await _until(app, pilot, lambda n=done: len(app.main.bookmarks) == n)  # type: ignore[misc]
            await pilot.press("j")
        saved = json.loads(marks.read_text())["bookmarks"]
    assert total == 32 and len({b["url"] for b in saved}) == 32
    assert sum(b["url"].startswith("file://") for b in saved) >= 18


def test_one_day_reads_the_same_in_the_list_whatever_its_hour() -> None:
    import calendar

    from newsreader.ui.articlelist import relative_date

    now = time.mktime((2026, 12, 3, 9, 0, 0, 0, 0, -1))  # a Thursday, local time
    friday_late = time.mktime((2026, 11, 27, 23, 0, 0, 0, 0, -1))  # 5 days 10 hours ago
    friday_early = time.mktime((2026, 11, 27, 1, 0, 0, 0, 0, -1))  # 6 days 8 hours ago
    assert relative_date(friday_late, now) == relative_date(friday_early, now) == "Fri"
    assert relative_date(time.mktime((2026, 11, 26, 23, 0, 0, 0, 0, -1)), now) == "11-26"
    assert calendar.day_abbr[4] == "Fri"


async def test_small_things_on_screen(tmp_path: Path) -> None:
    """0/0 on an empty list, a cut title keeps its … beside a scrollbar, an image without
    words is "[image]", and j/k move in the related pane."""
    from newsreader.models import Caption
    from newsreader.ui.articlelist import ArticleList
    from newsreader.ui.readerpane import ReaderPane

    empty = tmp_path / "empty"
    empty.mkdir()
    app = NewsreaderApp(resolve(empty, bookmarks_file=empty / "b.json"), Config())
    async with app.run_test(size=(120, 30)) as pilot:
        await _until(app, pilot, lambda: app.query_one(ArticleList).border_subtitle == "0/0")
    long = "Harbour wall story " * 8
    articles = tuple(
        Article(guid=str(i), title=f"{i} {long}", body="<p>Harbour wall story.</p>",
                captions=(Caption(text="", image_url="https://x.example/i.jpg"),),
                published=time.time() - i)
        for i in range(60)
    )  # fmt: skip
    _store_articles(tmp_path, articles)
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(120, 30)) as pilot:
        await _settle(app, pilot)
        article_list = app.query_one(ArticleList)
        line = article_list.render_line(1).text
        assert (
            line.rstrip().endswith("…")
            and len(line) == article_list.scrollable_content_region.width
        )
        await pilot.press("enter")
        reader = app.query_one(ReaderPane)
        await _until(app, pilot, lambda: "Harbour wall story." in reader.plain)
        assert "\n[image]\n" in reader.plain and "[image] image" not in reader.plain
        await _until(app, pilot, lambda: len(app.main.related) >= 2)
        sidebar = app.query_one("#related")
        sidebar.focus()
        await pilot.press("j")
        first = sidebar.highlighted  # type: ignore[attr-defined]
        await pilot.press("j")
        assert sidebar.highlighted == first + 1  # type: ignore[attr-defined]
        await pilot.press("k")
        assert sidebar.highlighted == first  # type: ignore[attr-defined]


@pytest.mark.parametrize("q_goes_back", [True, False])
async def test_q_goes_back_from_the_article_and_quits_from_the_list(
    tmp_path: Path, q_goes_back: bool
) -> None:

    articles = (Article(guid="1", title="One", body="<p>Text</p>"),)
    _store_articles(tmp_path, articles)
    config = Config(q_goes_back=q_goes_back)
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), config)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.panes.has_class("-reading"))
        await pilot.press("q")
        await pilot.pause()
        if q_goes_back:
            assert app.is_running and not app.main.panes.has_class("-reading")
            await pilot.press("q")
            await pilot.pause()
        assert not app.is_running


async def test_at_120_columns_the_list_shows_a_title(tmp_path: Path) -> None:
    from newsreader.ui.articlelist import ArticleList

    title = "Storm Edda floods Port Ellery harbour as the old sea wall gives way at last"
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed(str(tmp_path / "f.xml"))
        store.store_feed(feed.id, ParsedFeed(title="Harbour Gazette", articles=(
            Article(guid="1", title=title, body="<p>Text</p>"),)))  # fmt: skip
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        line = app.query_one(ArticleList).render_line(0).text
        assert title[:35] in line, line


async def test_A_asks_first_and_U_undoes_it_once(tmp_path: Path) -> None:
    from newsreader.ui.screens import ConfirmScreen

    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed(str(tmp_path / "f.xml"))
        articles = tuple(Article(guid=str(i), title=f"Story {i}") for i in range(4))
        store.store_feed(feed.id, ParsedFeed(title="Feed", articles=articles))
        store.set_read([store.page().rows[0].id])  # one read already: it stays read
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(120, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("A")
        await _until(app, pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Mark 3 unread articles in" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("n")  # no: nothing changes
        await _settle(app, pilot)
        assert app.main.unread_total == 3
        await pilot.press("A", "y")
        await _until(app, pilot, lambda: app.main.unread_total == 0)
        await pilot.press("U")
        await _until(app, pilot, lambda: app.main.unread_total == 3)
        await pilot.press("U")  # once: the first article, read before, is still read
        await _settle(app, pilot)
        assert app.main.unread_total == 3
    with Store(tmp_path / "newsreader.db") as store:
        assert store.count(UNREAD) == 3


async def test_a_first_run_shows_the_welcome_screen_every_time(tmp_path: Path) -> None:
    """Two workers create the missing store at once on a first run; one of them lost to
    "database is locked" in a quarter of the tries, and the welcome screen never came."""
    for run in range(50):
        data = tmp_path / f"first{run}"
        app = NewsreaderApp(resolve(data, bookmarks_file=data / "b.json"), Config())
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(app, pilot, lambda a=app: type(a.screen).__name__ == "WelcomeScreen")


async def test_a_refresh_never_waits_on_the_screen(tmp_path: Path, server: FeedServer) -> None:
    """While the UI is busy for 2 s (it runs no callbacks), the refresh goes on to its end:
    it posts what it has to say instead of waiting for the UI to hear each feed."""
    from newsreader.ui.messages import RefreshProgress

    with Store(tmp_path / "newsreader.db") as store:
        for i in range(3):
            store.add_feed(f"{server.base}/fast{i}")
    blocked: list[float] = []
    ended: list[float] = []

    class BusyScreen(MainScreen):
        def on_refresh_progress(self, message: RefreshProgress) -> None:
            if not blocked:
                time.sleep(2.0)  # the screen is stuck: no callback runs meanwhile
                blocked.append(time.monotonic())
            super().on_refresh_progress(message)

    class BusyUI(NewsreaderApp):
        def get_default_screen(self) -> MainScreen:
            self._main = BusyScreen(self.library, self.config, self.locations)
            return self._main

    app = BusyUI(resolve(tmp_path, bookmarks_file=tmp_path / "b.json"), Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(app, pilot)
        clear = app.main.refresh_running.clear

        def cleared() -> None:
            ended.append(time.monotonic())
            clear()

        app.main.refresh_running.clear = cleared  # type: ignore[method-assign]
        await pilot.press("R")
        await _until(app, pilot, lambda: bool(blocked) and bool(ended))
        await _until(app, pilot, lambda: "refreshed 3 feeds" in _status(app))
    assert ended[0] < blocked[0]  # the refresh ended while the screen was stuck


async def test_the_reader_and_the_cli_bookmark_the_same_snapshot(tmp_path: Path) -> None:
    """b in the reader and 'newsreader bookmarks add' keep the same article: the one the
    reading pane shows, with the caption of the figure in its body."""
    import json

    from newsreader.cli import main

    body = (
        '<p>The wall gave way at dawn.</p><figure><img src="https://x.example/w.jpg">'
        "<figcaption>The gap at low tide</figcaption></figure>"
    )
    _store_articles(tmp_path, (Article(guid="1", title="Wall", url="https://x.example/1",
                                       body=body, published=time.time()),))  # fmt: skip
    in_reader, in_cli = tmp_path / "reader.json", tmp_path / "cli.json"
    app = NewsreaderApp(resolve(tmp_path, bookmarks_file=in_reader), Config())
    async with app.run_test(size=(120, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("b")
        await _until(app, pilot, lambda: len(app.main.bookmarks) == 1)
    args = ["--data-dir", str(tmp_path), "--bookmarks", str(in_cli), "bookmarks", "add", "1"]
    assert main(args) == 0

    def saved(path: Path) -> dict[str, object]:
        entry = json.loads(path.read_text())["bookmarks"][0]
        return {key: value for key, value in entry.items() if key != "saved_at"}

    assert saved(in_reader) == saved(in_cli)
    assert "The gap at low tide" in [c["text"] for c in saved(in_cli)["captions"]]  # type: ignore[union-attr]
