from pathlib import Path

from textual.widgets import OptionList, Static

from newsreader.app import NewsreaderApp
from newsreader.config import Config
from newsreader.models import Article, ParsedFeed
from newsreader.paths import resolve
from newsreader.store import Store

HOSTILE = "[@click=app.quit]Click me[/] [bold red]x[/bold red] [/ unmatched [/bold]"


def _store_with(tmp_path: Path, *titles: str) -> Path:
    with Store(tmp_path / "newsreader.db") as store:
        feed = store.add_feed(str(tmp_path / "f.xml"))
        arts = tuple(
            Article(guid=str(i), title=t, body=f"<p>Body of {i}</p>", text=f"Body of {i}",
                    published=1_700_000_000 + i)
            for i, t in enumerate(titles)
        )  # fmt: skip
        store.store_feed(feed.id, ParsedFeed(title="[red]Feed[/red]", articles=arts))
    return tmp_path


async def _settle(app, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def test_markup_in_titles_is_shown_literally(tmp_path: Path) -> None:
    data = _store_with(tmp_path, HOSTILE, "Plain")
    app = NewsreaderApp(resolve(data), Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        options = app.query_one(OptionList)
        assert options.option_count == 2
        prompt = options.get_option_at_index(1).prompt
        assert HOSTILE in str(prompt)
        await pilot.press("j")
        await _settle(app, pilot)
        headline = app.query_one("#reader .headline", Static)
        assert str(headline.render()) == HOSTILE
        await pilot.click("#reader .headline")
        assert app.is_running


async def test_demo_store_opens_at_80x24(tmp_path: Path) -> None:
    from newsreader.demo import prepare_demo

    app = NewsreaderApp(resolve(prepare_demo()), Config(), demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        assert len(app.rows) >= 30
        assert app.query_one("#reader .headline", Static).size.width > 0
