"""The Textual application (a first screen: article list and reading pane).

The store is read only in thread workers; widgets receive plain model objects. Every string from a
feed reaches the screen as a ``rich.text.Text`` (literal, never markup) through
:mod:`newsreader.render`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from newsreader.config import Config
from newsreader.models import ArticleRow
from newsreader.paths import Locations, styles_dir
from newsreader.reading import ReadingView, build_view
from newsreader.render import list_row, reading_widgets
from newsreader.store import Store


class NewsreaderApp(App[None]):
    TITLE = "newsreader"
    CSS_PATH = str(styles_dir() / "app.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("tab", "focus_next", "Next pane", id="next_pane"),
    ]

    def __init__(self, locations: Locations, config: Config, demo: bool = False) -> None:
        super().__init__()
        self.locations = locations
        self.config = config
        self.demo = demo
        self.rows: list[ArticleRow] = []
        if config.theme:
            self.theme = config.theme

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield OptionList(id="article-list")
            yield VerticalScroll(id="reader")
        yield Static("", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "demo" if self.demo else ""
        self.on_resize()
        self.load_first_page()

    def on_resize(self, event: object = None) -> None:
        self.set_class(self.size.width <= 100, "narrow")

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def load_first_page(self) -> None:
        with Store(self.locations.database) as store:
            page = store.page(limit=200)
            total, unread = store.counts()
        self.call_from_thread(self.show_rows, list(page.rows), total, unread)

    def show_rows(self, rows: list[ArticleRow], total: int, unread: int) -> None:
        self.rows = rows
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(list_row(row), id=str(row.id)) for row in rows)
        status = f"{total} articles, {unread} unread"
        if not rows:
            status = (
                "No articles yet: run 'newsreader add URL' then 'newsreader refresh', or try --demo"
            )
        self.query_one("#status", Static).update(status)
        if rows:
            options.highlighted = 0
            options.focus()

    @on(OptionList.OptionHighlighted, "#article-list")
    def article_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is not None:
            self.load_article(int(event.option_id))

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def load_article(self, article_id: int) -> None:
        with Store(self.locations.database) as store:
            article = store.article(article_id)
            feed = store.feed_by_id(article.feed_id) if article else None
        if article is None:
            return
        view = build_view(article, feed.display_title if feed else "")
        self.call_from_thread(self.show_article, view)

    def show_article(self, view: ReadingView) -> None:
        reader = self.query_one("#reader", VerticalScroll)
        reader.remove_children()
        reader.mount_all(reading_widgets(view))
        reader.scroll_home(animate=False)
