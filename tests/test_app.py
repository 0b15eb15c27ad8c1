"""The TUI through Textual's Pilot, on real stores in tmp dirs. No fixed sleeps: every wait is
for the workers or for a condition, bounded."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual import events
from textual.widgets import OptionList, Static
from textual.worker import WorkerCancelled

from newsreader.library.config import Config
from newsreader.library.firstscreen import read_first_screen
from newsreader.library.paths import resolve
from newsreader.library.refresh import refresh_all
from newsreader.models import UNREAD, Article, ParsedFeed
from newsreader.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.articlelist import ArticleList
from newsreader.ui.mainscreen import MainScreen
from newsreader.ui.readerpane import ReaderPane

pytestmark = pytest.mark.ui

HOSTILE = "[@click=app.quit]Click me[/] [bold red]x[/bold red] [/ unmatched [/bold]"
NOW = time.time()


def _store_with(data: Path, *titles: str, feed_title: str = "[red]Feed[/red]") -> Path:
    with Store(data / "newsreader.db") as store:
        feed = store.add_feed(str(data / "f.xml"), tags=("news",))
        arts = tuple(
            Article(guid=str(i), title=t, body=f"<p>Body of {i} <a href='https://x.example/{i}'>"
                    f"link</a></p>", url=f"https://example.org/{i}", published=NOW - 60 * i)
            for i, t in enumerate(titles)
        )  # fmt: skip
        store.store_feed(feed.id, ParsedFeed(title=feed_title, articles=arts))
    return data


async def _settle(app: NewsreaderApp, pilot) -> None:
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def _until(app: NewsreaderApp, pilot, condition: Callable[[], bool]) -> None:
    """Wait until ``condition`` holds, for at most 15 s (a loaded CI machine is slow)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if condition():
            return
        with contextlib.suppress(WorkerCancelled):  # replaced by a newer worker: wait on
            await app.workers.wait_for_complete()
        await pilot.pause(0.01)
    raise AssertionError("condition not met")


def _open_title(app: NewsreaderApp) -> str | None:
    """The title of the article open in the reader, None before one is."""
    article = app.main.article
    return None if article is None else article.title


def _open_id(app: NewsreaderApp) -> int | None:
    article = app.main.article
    return None if article is None else article.id


def _prefetched_title(app: NewsreaderApp) -> str | None:
    ready = app.main.prefetched
    return None if ready is None else ready.article.title


def _lines(app: NewsreaderApp) -> list[str]:
    article_list = app.query_one(ArticleList)
    return [article_list.render_line(y).text for y in range(article_list.size.height)]


def _reader_text(app: NewsreaderApp) -> str:
    return app.query_one(ReaderPane).plain


def _headline(app: NewsreaderApp) -> str:
    """The first line the reading pane draws."""
    return app.query_one(ReaderPane).render_line(0).text.rstrip()


def _app(data: Path, config: Config | None = None, **kw) -> NewsreaderApp:
    app = NewsreaderApp(
        resolve(data, bookmarks_file=data / "bookmarks.json"), config or Config(), **kw
    )
    app.opened: list[str] = []  # type: ignore[misc]
    app.open_url_hook = app.opened.append  # type: ignore[attr-defined]
    return app


async def test_markup_in_titles_is_shown_literally(tmp_path: Path) -> None:
    app = _app(_store_with(tmp_path, HOSTILE, "Plain"))
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        assert HOSTILE[:26] in _lines(app)[0]  # as written, cut to the pane with an ellipsis
        assert _lines(app)[0].rstrip().endswith("…")
        await pilot.press("enter")
        await _until(app, pilot, lambda: "Click me" in _reader_text(app))
        assert HOSTILE.startswith(_headline(app))
        await pilot.click("#reader")
        await pilot.click(ArticleList, offset=(30, 0))
        assert app.is_running
        assert "[red]Feed[/red]" in _reader_text(app)  # the feed title, literally


async def test_navigation_open_read_state_and_next_unread(tmp_path: Path) -> None:
    app = _app(_store_with(tmp_path, *(f"Story {i}" for i in range(30))))
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        article_list = app.query_one(ArticleList)
        assert article_list.total == 30 and app.main.unread_total == 30
        await pilot.press("j", "j", "down")
        assert article_list.cursor == 3
        await pilot.press("k")
        assert article_list.cursor == 2
        await pilot.press("G")
        assert article_list.cursor == 29
        await pilot.press("g")
        assert article_list.cursor == 0
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.article is not None and app.main.article.read)
        assert _headline(app) == "Story 0"
        assert app.focused is app.query_one(ArticleList)  # beside the list, the list keeps it
        await pilot.press("tab")
        assert app.focused is app.query_one("#reader")
        assert _lines(app)[0].startswith(" ")  # no unread marker now
        assert app.main.unread_total == 29
        await pilot.press("escape")
        assert app.focused is article_list
        await pilot.press("m")  # back to unread
        await _until(app, pilot, lambda: _lines(app)[0].startswith("N"))
        with Store(tmp_path / "newsreader.db") as store:
            assert store.count(UNREAD) == 30
        await pilot.press("j", "j", "enter", "escape", "g", "n")
        # n skips read rows: row 1 is unread, row 2 was read by opening it
        await _until(app, pilot, lambda: _open_title(app) == "Story 1")
        await pilot.press("escape", "n")
        await _until(app, pilot, lambda: _open_title(app) == "Story 3")
        await pilot.press("A", "y")  # it asks first
        await _until(app, pilot, lambda: app.main.unread_total == 0)
        await _until(app, pilot, lambda: not any(line.startswith("N") for line in _lines(app)))


async def test_one_pane_gets_the_resting_row_ready_and_enter_shows_it(tmp_path: Path) -> None:
    """Alone, the reader is filled from the article got ready while the cursor rested on its
    row: Enter shows it without a worker, marks it read, and a read toggle or a layout
    change in between is not lost (a stale preparation goes back to the worker)."""
    app = _app(_store_with(tmp_path, *(f"Story {i}" for i in range(5))))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        assert app.main.narrow
        await pilot.press("j")
        # the first row may have got ready before the cursor moved: wait for the second
        await _until(
            app,
            pilot,
            lambda: _prefetched_title(app) == "Story 1",
        )
        assert app.main.article is None  # got ready, not shown: the list fills the screen
        await pilot.press("m")  # read before it is opened
        await _until(app, pilot, lambda: app.main.prefetched.article.read)
        await pilot.press("m")  # and unread again
        await _until(app, pilot, lambda: not app.main.prefetched.article.read)
        ready = app.main.prefetched
        load_article = app.main._load_article
        reads: list[int] = []
        app.main._load_article = lambda article_id, *args: reads.append(article_id)
        await pilot.press("enter")
        assert reads == [] and app.main.article is not None and app.main.article.title == "Story 1"
        assert _headline(app) == "Story 1"
        reader = app.query_one(ReaderPane)  # laid out for the room it took: not wrapped again
        assert reader.lines is ready.prepared.lines
        assert reader._wrapped_at == reader.scrollable_content_region.width
        await _until(app, pilot, lambda: app.main.unread_total == 4)  # opening marked it read
        await pilot.press("escape", "j")
        await _until(app, pilot, lambda: app.main.prefetched.article.title == "Story 2")
        story_2 = app.main.prefetched.article.id
        await pilot.resize_terminal(90, 24)  # still one pane, a new width: wrapped again
        await pilot.press("enter")
        assert reads == [story_2]  # that row, laid out again by the worker, not another one
        app.main._load_article = load_article
        await pilot.press("escape", "enter")
        await _until(app, pilot, lambda: _headline(app) == "Story 2")
        assert reader._wrapped_at == reader.scrollable_content_region.width
        await pilot.press("escape", "j")
        await app.query_one(ReaderPane).remove()  # as when the app shuts down
        app.main._preview()  # the timer firing then does nothing


async def test_alone_the_reader_shows_its_position_instead_of_a_scrollbar(tmp_path: Path) -> None:
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed(str(tmp_path / "f.xml"))
        body = "".join(f"<p>Paragraph {i} of a long article.</p>" for i in range(60))
        store.store_feed(feed.id, ParsedFeed(title="Long", articles=(
            Article(guid="1", title="Long one", body=body, published=NOW),
        )))  # fmt: skip
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: _headline(app) == "Long one")
        reader = app.query_one(ReaderPane)
        assert reader.styles.scrollbar_size_vertical == 0
        assert reader.scrollable_content_region.width == 80 - 4  # borders and padding only
        first = int(reader.border_subtitle.rstrip("%"))
        assert 0 < first < 100
        await pilot.press("space")
        await _until(app, pilot, lambda: int(reader.border_subtitle.rstrip("%")) > first)
        await pilot.press("G")
        await _until(app, pilot, lambda: reader.border_subtitle == "100%")
        await pilot.resize_terminal(200, 50)  # beside the list: the scrollbar is back
        await _until(app, pilot, lambda: reader.styles.scrollbar_size_vertical > 0)
        await _until(app, pilot, lambda: reader.border_subtitle == "")


async def test_search_views_picker_and_unread_toggle(tmp_path: Path) -> None:
    data = _store_with(tmp_path, "Harbour wall falls", "Tram vote", "Harbour reopens")
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash")
        await pilot.press(*"harbour", "enter")
        await _until(app, pilot, lambda: app.main.view.kind == "search")
        assert app.query_one(ArticleList).total == 2
        assert all("Harbour" in line for line in _lines(app)[:2])
        await pilot.press("escape")  # back to all articles
        await _until(app, pilot, lambda: app.main.view.kind == "all")
        await pilot.press("enter")  # read one
        await pilot.press("escape", "u")
        await _until(app, pilot, lambda: app.query_one(ArticleList).total == 2)
        assert app.main.view.unread_only and "unread" in app.sub_title
        await pilot.press("u", "f")
        await _until(app, pilot, lambda: len(app.screen_stack) > 1)
        picker = app.screen.query_one("#picker", OptionList)
        ids = [picker.get_option_at_index(i).id for i in range(picker.option_count)]
        assert "tag:news" in ids
        picker.highlighted = ids.index(next(i for i in ids if i and i.startswith("feed:")))
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.view.kind == "feed")
        assert app.query_one(ArticleList).total == 3
        await pilot.press("slash", *"(", "enter")  # a query FTS5 cannot read: one line
        await _settle(app, pilot)
        assert app.is_running and app.main.view.kind == "feed"
        assert "cannot search for '('" in str(app.query_one("#status").render())


async def test_seed_article_caption_sources_and_related_block(shared: Path, tmp_path: Path) -> None:
    folder = tmp_path / "seed"
    folder.mkdir()
    shutil.copy(shared / "seed/article-commonspace-mali.txt", folder)
    data = tmp_path / "data"
    with Store(data / "newsreader.db") as store:
        refresh_all(store, [store.add_feed(str(folder))])
    app = _app(data)
    async with app.run_test(size=(200, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: "Sources" in _reader_text(app))
        text = _reader_text(app)
        assert "picture courtesy" not in text  # the credit is split from the caption…
        assert any(c.credit and c.credit in text for c in app.main.article.captions)  # …and shown
        assert app.main.article.captions[0].text[:40] in text
        for source in app.main.article.sources:
            assert source.name in text
        assert "Related articles" in text and "Popular" in text
        sidebar = app.query_one("#related", OptionList)
        prompts = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
        assert "Related articles" in prompts
        assert any(link.title in p for p in prompts for link in app.main.article.related_links)


async def test_links_open_only_for_http_and_copy_over_ssh(tmp_path: Path, monkeypatch) -> None:
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed(str(tmp_path / "f.xml"))
        store.store_feed(feed.id, ParsedFeed(title="F", articles=(
            Article(guid="a", title="Bad link", url="javascript:alert(1)", published=NOW,
                    body="<p><a href='https://ok.example/1'>one</a></p>"),
        )))  # fmt: skip
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    app = _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.article is not None)
        await pilot.press("o")
        await _settle(app, pilot)
        assert app.opened == []
        assert any("only http(s)" in n.message for n in app._notifications)
        await pilot.press("1")  # the body's link [1] is https: it opens
        assert app.opened == ["https://ok.example/1"]
        monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
        await pilot.press("1")  # over SSH: copied and shown, no browser on the server
        assert app.opened == ["https://ok.example/1"]
        assert app.clipboard == "https://ok.example/1"
        assert any("https://ok.example/1" in n.message and "copied" in n.message
                   for n in app._notifications)  # fmt: skip


async def test_copy_writes_the_clipboard(tmp_path: Path) -> None:
    app = _app(_store_with(tmp_path, "One"))
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("y")
        assert app.clipboard == "https://example.org/0"


async def test_bindings_rebind_from_config_and_help_shows_them(tmp_path: Path) -> None:
    config = Config(keys={"down": "x", "next_unread": "N", "no_such_action": "z"})
    app = _app(_store_with(tmp_path, "A", "B", "C"), config)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("x", "x")
        assert app.query_one(ArticleList).cursor == 2
        assert any("no_such_action" in n.message for n in app._notifications)
        rows = {label: (keys, binding_id) for keys, label, binding_id in app.key_help()}
        assert rows["Down (list)"] == ("x", "down")
        assert rows["Next unread"] == ("N", "next_unread")
        palette = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert palette["Next unread"] == "Next unread (N)"
        await pilot.press("question_mark")
        await _until(app, pilot, lambda: len(app.screen_stack) > 1)
        assert "Next unread" in "".join(str(w.render()) for w in app.screen.query(Static))
        await pilot.press("escape")
        await _until(app, pilot, lambda: len(app.screen_stack) == 1)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_layouts_have_no_collapsed_panes(tmp_path: Path, size: tuple[int, int]) -> None:
    from newsreader.library.demo import prepare_demo

    app = _app(prepare_demo(), demo=True)
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.article is not None)
        await _settle(app, pilot)
        # every pane this layout shows has room (the list gives way to the reader when alone)
        shown = ["Header", "#keys", "#status", "#reader"]
        shown += ["#article-list", "#related"] if size[0] > 100 else []
        for selector in shown:
            region = app.query_one(selector).region
            assert region.width > 2 and region.height > 0, f"{selector} has no room at {size}"
        if size[0] <= 100:
            assert not app.query_one("#article-list").region.area
        reader = app.query_one(ReaderPane)
        assert reader.region.width > 0 and reader.region.height > 0
        assert app.main.article.title.startswith(_headline(app)) and _headline(app)
        if size[0] >= 160:  # three panes side by side
            regions = [app.query_one(s).region for s in ("#article-list", "#reader", "#related")]
            assert regions[0].x < regions[1].x < regions[2].x
        if size[0] <= 100:
            assert isinstance(app.focused, ReaderPane)  # the keys that follow scroll the text
            await pilot.press("s")
            await _settle(app, pilot)
            assert app.query_one("#related").region.height > 0
            await pilot.press("escape")
            await _settle(app, pilot)
            assert app.query_one("#article-list").region.height > 0
            assert not app.query_one("#reader").region.area
            assert isinstance(app.focused, ArticleList)
            # opening again, then widening the terminal: every pane comes back beside the list
            await pilot.press("s", "enter")
            await _until(app, pilot, lambda: isinstance(app.focused, ReaderPane))
            await pilot.resize_terminal(200, 50)
            await _settle(app, pilot)
            for selector in ("#article-list", "#reader", "#related"):
                assert app.query_one(selector).region.area, f"{selector} hidden at 200x50"
            await pilot.resize_terminal(*size)
            await _settle(app, pilot)
            assert app.query_one("#reader").region.area  # still reading, alone
            assert not app.query_one("#article-list").region.area
            await pilot.press("h")
            await _settle(app, pilot)
            assert app.query_one("#article-list").region.area


async def test_bookmarks_toggle_view_and_snapshot(tmp_path: Path) -> None:
    data = _store_with(tmp_path, "Keep me", "Other")
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("b")
        await _until(app, pilot, lambda: len(app.main.bookmarks) == 1)
        saved = json.loads((data / "bookmarks.json").read_text())
        assert saved["bookmarks"][0]["title"] == "Keep me"
        assert _lines(app)[0][1] == "*"
        await pilot.press("B")
        await _until(app, pilot, lambda: app.main.view.kind == "bookmarks")
        assert app.query_one(ArticleList).total == 1
        await pilot.press("ctrl+p")
        await pilot.press(*"edit tags", "enter")
        await _until(app, pilot, lambda: len(app.screen_stack) > 1 and app.screen.query("Input"))
        await pilot.press(*"later, mali", "enter")
        await _until(
            app,
            pilot,
            lambda: bool(app.main.bookmarks) and app.main.bookmarks[0].tags == ("later", "mali"),
        )
    (data / "newsreader.db").unlink()  # the store goes; the bookmark stays and still opens
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "WelcomeScreen"  # no feeds: Esc skips it
        await pilot.press("escape", "B")
        await _until(app, pilot, lambda: app.main.view.kind == "bookmarks")
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.article is not None)
        assert _headline(app) == "Keep me"


async def test_first_run_shows_the_welcome_screen(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "WelcomeScreen"
        text = "".join(str(w.render()) for w in app.screen.query(Static))
        assert "--demo" in text and "OPML" in text
        await pilot.press("a")
        await _until(app, pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        await pilot.press(*"ftp://nope", "enter")
        await _settle(app, pilot)
        assert "unsupported source" in str(app.screen.query_one("#prompt-error", Static).render())


async def test_refresh_keeps_the_selected_row(tmp_path: Path) -> None:
    data = _store_with(tmp_path, *(f"Story {i}" for i in range(10)))
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("j", "j", "j")
        chosen = app.query_one(ArticleList).current
        with Store(data / "newsreader.db") as store:  # another process stores newer articles
            feed = store.add_feed("/other")
            store.store_feed(feed.id, ParsedFeed(title="Other", articles=tuple(
                Article(guid=f"n{i}", title=f"New {i}", published=NOW + 60 + i) for i in range(5)
            )))  # fmt: skip
        article_list = app.query_one(ArticleList)
        drawn_at_reset: list[list[str]] = []
        reset = article_list.reset

        def reset_and_draw(*args: object, **kwargs: object) -> None:
            reset(*args, **kwargs)  # type: ignore[arg-type]
            drawn_at_reset.append(_lines(app)[:15])

        article_list.reset = reset_and_draw  # type: ignore[method-assign]
        app.main._after_refresh()
        await _until(app, pilot, lambda: app.query_one(ArticleList).total == 15)
        # the new rows are drawn with the list, not through placeholders while pages reload
        assert drawn_at_reset and "…" not in [line.strip() for line in drawn_at_reset[0]]
        await _settle(app, pilot)
        assert app.query_one(ArticleList).current == chosen
        assert app.query_one(ArticleList).cursor == 8


async def test_a_large_view_pages_in_rows_on_demand(tmp_path: Path) -> None:
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed("/big")
        store.store_feed(feed.id, ParsedFeed(title="Big", articles=tuple(
            Article(guid=str(i), title=f"Row {i}", published=NOW - i) for i in range(1000)
        )))  # fmt: skip
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        article_list = app.query_one(ArticleList)
        assert len(article_list.pages) <= 2  # never all rows
        await pilot.press("G")
        await _until(app, pilot, lambda: "Row 999" in "".join(_lines(app)))
        await pilot.press("pageup")
        await _until(app, pilot, lambda: "…" not in "".join(_lines(app)[:5]))
        assert sum(len(p) for p in article_list.pages.values()) < 1000
        # a held key: 300 presses queued at once all move the cursor, pages loading or not
        await pilot.press("g")
        for _ in range(300):
            app.post_message(events.Key("j", "j"))
        await _until(app, pilot, lambda: article_list.cursor == 300)


async def test_the_first_frame_has_the_rows_read_before_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``newsreader`` reads before Textual is imported fills the first frame: the list
    draws its rows and the header its unread count without waiting for a worker."""
    data = _store_with(tmp_path, *(f"Story {i}" for i in range(150)))
    first = read_first_screen(resolve(data))
    assert first is not None and (first.total, len(first.rows), first.unread) == (150, 100, 150)
    app = _app(data, first_screen=first)
    # feeds and bookmarks: not needed for the first frame
    monkeypatch.setattr(MainScreen, "start", lambda self, unread=None: None)
    async with app.run_test(size=(80, 24)):
        article_list = app.query_one(ArticleList)
        assert article_list.total == 150 and not app.workers
        assert "Story 0" in _lines(app)[0] and "150 unread" in app.sub_title
        assert "150 articles" in str(app.query_one("#status", Static).render())


def test_the_first_screen_is_read_in_the_app_when_the_store_is_missing_or_broken(
    tmp_path: Path,
) -> None:
    assert read_first_screen(resolve(tmp_path)) is None  # first run: the app creates it
    with sqlite3.connect(tmp_path / "newsreader.db") as db:  # being created by a worker
        db.execute("PRAGMA journal_mode = WAL")
    assert read_first_screen(resolve(tmp_path)) is None
    with _app(tmp_path).library.reading() as store:  # a reading worker waits for the schema
        assert store.count() == 0
    (tmp_path / "newsreader.db").unlink()
    (tmp_path / "newsreader.db").write_bytes(b"not a database" * 100)
    assert read_first_screen(resolve(tmp_path)) is None  # the app's workers report it


async def test_the_chosen_theme_is_remembered(tmp_path: Path) -> None:
    data = _store_with(tmp_path, "One")
    app = _app(data)
    async with app.run_test(size=(120, 30)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.article is not None)
        reader = app.query_one(ReaderPane)

        def headline_style() -> object:
            return (
                reader.lines[0].spans[0].style if reader.lines[0].spans else reader.lines[0].style
            )

        before = headline_style()
        app.theme = "nord"
        await _settle(app, pilot)
        # the open article is drawn again in the new theme's colours
        await _until(app, pilot, lambda: headline_style() != before)
        assert headline_style() == reader.get_component_rich_style("reader--headline")
    assert json.loads((data / "state.json").read_text())["theme"] == "nord"
    app = _app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        assert app.theme == "nord"


async def test_palette_commands_show_feed_titles_and_tags_literally(tmp_path: Path) -> None:
    from textual.content import Content

    data = _store_with(tmp_path, "One", feed_title=HOSTILE)
    with Store(data / "newsreader.db") as store:
        store.add_feed("/other", title="x", tags=("[b]tag[/b]",))
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        # the palette renders names with Content.from_markup: what it shows is the plain text
        shown = [Content.from_markup(c.title).plain for c in app.get_system_commands(app.screen)]
        assert f"Go to feed: {HOSTILE}" in shown
        assert "Go to tag: [b]tag[/b]" in shown


async def test_a_refresh_whose_indexing_fails_says_why_and_lets_the_next_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk cannot be made here: the indexing's write failure is stood in for. The
    reader shows it in one line, keeps what was stored, and the next refresh is not refused
    as "running"."""
    from newsreader.models import StoreError

    feed_file = tmp_path / "feed.xml"
    feed_file.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Bay</title>'
        "<item><title>Ferry times</title><guid>f-1</guid></item></channel></rss>"
    )
    data = tmp_path / "data"
    with Store(data / "newsreader.db") as store:
        store.add_feed(str(feed_file))

    def full_disk(*args: object, **kwargs: object) -> int:
        raise StoreError("cannot write store newsreader.db: database or disk is full")

    monkeypatch.setattr(Store, "index_pending", full_disk)
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("R")
        await _until(app, pilot, lambda: "disk is full" in str(app.query_one("#status").render()))
        assert "refreshing" not in app.sub_title and "indexing" not in app.sub_title
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == ["cannot write store newsreader.db: database or disk is full"]
        await _until(app, pilot, lambda: app.query_one(ArticleList).total == 1)
        listed = app.query_one(ArticleList).row_at(0)
        assert listed is not None and listed.title == "Ferry times"  # what was stored stays
        monkeypatch.undo()
        await pilot.press("R")
        await _until(
            app, pilot, lambda: "refreshed 1 feed:" in str(app.query_one("#status").render())
        )


async def test_refresh_shows_progress_and_failures(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>{0}</title>'
        "<item><title>{0} story</title><guid>{0}-1</guid></item></channel></rss>"
    )
    good.write_text(rss.format("Good"))
    bad.write_text(rss.format("Bad"))
    data = tmp_path / "data"
    with Store(data / "newsreader.db") as store:
        refresh_all(store, [store.add_feed(str(good)), store.add_feed(str(bad))])
    bad.write_text("<html><body>moved</body></html>")  # the source breaks
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        titles: list[str] = []
        app.watch(app, "sub_title", lambda title: titles.append(title), init=False)
        await pilot.press("R")
        await _until(
            app, pilot, lambda: "refreshed 2 feeds" in str(app.query_one("#status").render())
        )
        assert any("refreshing" in t for t in titles) and "refreshing" not in app.sub_title
        assert any("indexing for search" in t for t in titles) and "indexing" not in app.sub_title
        assert any(t.endswith("indexing related") for t in titles)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1 and errors[0].startswith("Bad: ") and "\n" not in errors[0]
        assert app.query_one(ArticleList).total == 2  # the broken feed's article is kept
        await pilot.press("f")
        await _until(app, pilot, lambda: len(app.screen_stack) > 1)
        picker = app.screen.query_one("#picker", OptionList)
        lines = [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]
        assert any(line.startswith("! Bad") and errors[0][5:] in line for line in lines)
        assert any(line.startswith("  Good") for line in lines)
    # the next start says so on the status line, whichever of list and feeds loads first
    app = _app(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        status = str(app.query_one("#status").render())
        assert "2 articles in" in status and "1 feed failed last time" in status, status


async def test_rows_stored_by_a_running_refresh_are_listed_before_it_ends(
    tmp_path: Path,
) -> None:
    from tests.feedserver import FeedServer

    server = FeedServer().start()
    server.mode = "bad"  # per path: /fast answers at once, /slow after 1.5 s
    try:
        data = tmp_path / "data"
        with Store(data / "newsreader.db") as store:
            store.add_feed(f"{server.base}/fast")
            store.add_feed(f"{server.base}/slow")
        app = _app(data)
        async with app.run_test(size=(120, 40)) as pilot:
            await _settle(app, pilot)
            assert app.query_one(ArticleList).total == 0
            await pilot.press("R")
            # the fast feed's three rows arrive while the slow one is still being fetched
            await _until(app, pilot, lambda: app.query_one(ArticleList).total == 3)
            assert "refreshing 1/2" in app.sub_title
            assert "3 articles" in str(app.query_one("#status").render())
            await _until(app, pilot, lambda: app.query_one(ArticleList).total == 6)
            await _until(app, pilot, lambda: not app.main.refreshing)
    finally:
        server.stop()


async def test_related_pane_lists_computed_articles_and_brackets_open_them(tmp_path: Path) -> None:
    from newsreader.library.demo import prepare_demo

    app = _app(prepare_demo(), demo=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await _settle(app, pilot)
        with Store(app.locations.database) as store:
            flood = store.db.execute(
                "SELECT id FROM articles WHERE title LIKE 'Storm Edda floods%'"
            ).fetchone()[0]
        row = next(r for r in app.query_one(ArticleList).pages[0] if r.id == flood)
        app.main.open_row(row)
        # (the preview of the first row may show first, with its own related articles)
        await _until(
            app,
            pilot,
            lambda: _open_id(app) == flood and bool(app.main.related),
        )
        sidebar = app.query_one("#related", OptionList)
        ids = [sidebar.get_option_at_index(i).id for i in range(sidebar.option_count)]
        assert ids.count("rel:0") == 1 and len([i for i in ids if i and i.startswith("rel:")]) >= 3
        order = [item.row.id for item in app.main.related]

        async def step(key: str, expected: int) -> None:
            await pilot.press(key)
            await _until(app, pilot, lambda: _open_id(app) == expected)
            await _settle(app, pilot)  # its own related articles load, and must not take over

        # ] walks the flood story's list in order, [ walks back to the story itself
        for expected in order[:3]:
            await step("right_square_bracket", expected)
        for expected in (order[1], order[0], flood):
            await step("left_square_bracket", expected)
        highlighted = sidebar.highlighted
        await pilot.press("left_square_bracket")  # nothing before the story: said, not wrapped
        await _settle(app, pilot)
        assert app.main.article.id == flood and sidebar.highlighted == highlighted
        await step("right_square_bracket", order[0])
        assert sidebar.get_option_at_index(sidebar.highlighted or 0).id == "rel:0"


async def test_an_article_not_in_the_related_index_yet_says_so_instead_of_no_match(
    tmp_path: Path,
) -> None:
    """After a refresh stopped before its indexing, or a store upgraded to a new related
    index, the sidebar says why it is empty and what fills it; once indexed, it lists."""
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed(str(tmp_path / "f.xml"))
        articles = tuple(
            Article(guid=str(i), title=f"Harbour ferry timetable changes {i}",
                    text="The harbour ferry timetable changes on Monday for the winter.",
                    body_format="text", published=NOW - 60 * i)
            for i in range(3)
        )  # fmt: skip
        store.store_feed(feed.id, ParsedFeed(title="Bay", articles=articles), index=False)
        store.db.execute("UPDATE articles SET indexed = 1")  # searchable, related still waits

    def sidebar_text(app: NewsreaderApp) -> str:
        sidebar = app.query_one("#related", OptionList)
        return " ".join(
            str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)
        )

    app = _app(tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _until(app, pilot, lambda: "Not in the related index yet" in sidebar_text(app))
        assert "No close match" not in sidebar_text(app)
        with Store(tmp_path / "newsreader.db") as store:
            assert store.index_pending() == 3
        await pilot.press("j", "enter")
        await _until(app, pilot, lambda: "In your feeds" in sidebar_text(app))
        assert "Not in the related index yet" not in sidebar_text(app)


async def test_mouse_selects_opens_and_scrolls(tmp_path: Path) -> None:
    app = _app(_store_with(tmp_path, *(f"Story {i}" for i in range(60))))
    async with app.run_test(size=(120, 30)) as pilot:
        await _settle(app, pilot)
        article_list = app.query_one(ArticleList)
        await pilot.click(ArticleList, offset=(20, 2))  # the border takes row 0
        assert article_list.cursor == 1
        await pilot.click(ArticleList, offset=(20, 3), times=2)
        await _until(app, pilot, lambda: app.main.article is not None and app.main.article.read)
        assert app.main.article.title == "Story 2"
        for _ in range(5):
            article_list.post_message(
                events.MouseScrollDown(article_list, 20, 5, 0, 0, 0, False, False, False)
            )
        await _until(app, pilot, lambda: article_list.scroll_offset.y > 0)
        assert article_list.cursor == 2  # the wheel scrolls the list, not the cursor
