"""Rules and saved searches in the reader (Pilot, real stores, a loopback feed server): a
rule left out is said; saved searches in the picker with their counts; "Save this search"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import OptionList

from newsreader.cli import main
from newsreader.library import Library
from newsreader.library.config import load
from newsreader.library.paths import resolve
from newsreader.store import Store
from newsreader.ui.app import NewsreaderApp
from newsreader.ui.screens import PickerScreen

from .feedserver import FeedServer
from .test_app_errors import _until
from .test_rules import ITEMS, _feed
from .test_saved import _store

pytestmark = pytest.mark.ui


@pytest.fixture
def server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    server.pages["/city.xml"] = (_feed("city", ITEMS["city"]), "application/rss+xml")
    yield server
    server.stop()


async def test_the_reader_says_which_rule_it_left_out_and_refreshes(
    tmp_path: Path, server: FeedServer
) -> None:
    (tmp_path / "config.toml").write_text('[[rules]]\ntitle = "(unclosed"\n')
    with Store(tmp_path / "newsreader.db") as store:
        store.add_feed(f"{server.base}/city.xml")
    locations = resolve(tmp_path, bookmarks_file=tmp_path / "b.json",
                        config_file=tmp_path / "config.toml")  # fmt: skip
    app = NewsreaderApp(locations, load(tmp_path / "config.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("R")
        await _until(app, pilot, lambda: app.main.view_total == 2)
        await _until(app, pilot, lambda: any("rules[1]" in n.message for n in app._notifications))


async def test_saved_searches_in_the_picker_and_saving_one_from_the_palette(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _store(tmp_path)
    assert main([*args, "saved", "add", "Harbour", "harbour"]) == 0
    config = tmp_path / "config.toml"
    locations = resolve(tmp_path, bookmarks_file=tmp_path / "b.json", config_file=config)
    app = NewsreaderApp(locations, load(config))
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(app, pilot, lambda: app.main.view_total == 4)
        await pilot.press("f")
        await _until(app, pilot, lambda: isinstance(app.screen, PickerScreen))
        picker = app.screen
        assert isinstance(picker, PickerScreen) and picker.saved == [("Harbour", 3, 3)]
        options = picker.query_one("#picker", OptionList)
        options.highlighted = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == "saved:0"
        )
        await pilot.press("enter")
        await _until(app, pilot, lambda: app.main.view.kind == "saved")
        await _until(app, pilot, lambda: app.main.view_total == 3)
        await pilot.press("slash")
        await pilot.press(*"ferry", "enter")
        await _until(app, pilot, lambda: app.main.view.kind == "search")
        app.main.save_search()
        await pilot.pause()
        await pilot.press(*"Boats", "enter")
        await _until(app, pilot, lambda: "Boats" in config.read_text())
    assert 'query = "ferry"' in config.read_text()
    assert [s.name for s, *_ in Library(locations).saved_counts([])] == []
