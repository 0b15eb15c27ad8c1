"""The Textual application: article list, reading pane and related-articles sidebar.

The store, the bookmarks file, related articles and refreshes are used only in thread workers;
widgets receive model objects. Every string from a feed reaches the screen as a
``rich.text.Text`` (literal, never markup). Every binding has an id, so config.toml ``[keys]``
rebinds it; the help screen and the footer read the live bindings.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from newsreader.library import Library
from newsreader.library.config import Config
from newsreader.library.paths import Locations, styles_dir
from newsreader.library.state import load_state, save_state
from newsreader.library.views import PAGE, View, view_rows
from newsreader.models import Article, ArticleRow, Bookmark, Feed, NewsreaderError
from newsreader.store import describe
from newsreader.text.phrases import counted, feed_problem
from newsreader.text.sanitize import clean_line, is_web_url
from newsreader.text.searchquery import match_pattern
from newsreader.ui.articlelist import ArticleList
from newsreader.ui.bookmarking import BookmarksMixin, _article_from_bookmark
from newsreader.ui.keybar import KeyBar
from newsreader.ui.markup import markup_literal
from newsreader.ui.onboarding import OnboardingMixin
from newsreader.ui.readerpane import LayoutRequest, ReaderPane, ReadyArticle, prepare_layout
from newsreader.ui.refreshing import WATCH_SECONDS, RefreshMixin
from newsreader.ui.relatedlist import RelatedList
from newsreader.ui.screens import (
    ConfirmScreen,
    HelpScreen,
    PickerScreen,
    PromptScreen,
    WelcomeScreen,
)

PREVIEW_DELAY = 0.08  # seconds the cursor rests on a row before the reader shows it
WIDE, NARROW = 160, 100  # columns: three panes at WIDE and above, one pane at NARROW and below

# Reading, related articles and bookmarks (and lxml behind them) load in the workers that use
# them, after the first screen is up: a tenth of a second less before the list shows.
if TYPE_CHECKING:
    from newsreader.bookmarks import BookmarkFile
    from newsreader.library.firstscreen import FirstScreen
    from newsreader.library.reading import ReadingView
    from newsreader.related.rank import RelatedArticle
    from newsreader.store import Store


def _binding(keys: str, action: str, description: str, id: str, show: bool = True) -> Binding:
    return Binding(keys, action, description, show=show, id=id)


class Panes(Horizontal):
    """The three panes; a change of its size (the terminal's) may change the layout."""

    def on_resize(self) -> None:
        if isinstance(self.app, NewsreaderApp):
            self.app.apply_layout()


class Target(NamedTuple):
    """The article a key acts on (:meth:`NewsreaderApp._target`)."""

    id: int
    url: str
    read: bool
    feed_id: int
    title: str


@dataclass
class RelatedWalk:
    """Where ] and [ are in one article's related list (position -1: that article)."""

    anchor: int  # the article the list is for
    items: list[RelatedArticle]
    position: int = -1

    @property
    def current(self) -> int:
        return self.anchor if self.position < 0 else self.items[self.position].row.id


class NewsreaderApp(BookmarksMixin, RefreshMixin, OnboardingMixin, App[None]):
    TITLE = "newsreader"
    CSS_PATH = str(styles_dir() / "app.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding("q", "close", "Quit", "quit"),
        _binding("Q", "quit", "Quit now", "quit_now", show=False),
        _binding("enter,l", "open", "Open", "open"),
        _binding("h,escape", "back", "Back", "back"),
        _binding("tab", "next_pane", "Next pane", "next_pane", show=False),
        _binding("n", "next_unread", "Next unread", "next_unread"),
        _binding("p", "prev_unread", "Prev unread", "prev_unread", show=False),
        _binding("m", "toggle_read", "Read/unread", "toggle_read", show=False),
        _binding("A", "mark_view_read", "Mark view read", "mark_view_read", show=False),
        _binding("U", "undo_mark_read", "Undo mark read", "undo_mark_read", show=False),
        _binding("o", "open_browser", "Open link", "open_browser"),
        _binding("y", "copy_link", "Copy link", "copy_link", show=False),
        _binding("b", "toggle_bookmark", "Bookmark", "bookmark"),
        _binding("B", "bookmarks_view", "Bookmarks", "bookmarks_view", show=False),
        _binding("slash", "search", "Search", "search"),
        _binding("f", "pick_view", "Feeds", "pick_view"),
        _binding("u", "toggle_unread", "Unread only", "toggle_unread", show=False),
        _binding("r", "refresh_feed", "Refresh feed", "refresh_feed", show=False),
        _binding("R", "refresh_all", "Refresh all", "refresh_all"),
        _binding("right_square_bracket", "related(1)", "Next related", "next_related", show=False),
        _binding("left_square_bracket", "related(-1)", "Prev related", "prev_related", show=False),
        _binding("s", "toggle_sidebar", "Related", "toggle_sidebar", show=False),
        _binding("question_mark", "help", "Help", "help"),
        *[
            _binding(str(n), f"open_link({n})", f"Open link {n}", f"open_link_{n}", show=False)
            for n in range(1, 10)
        ],
    ]

    def __init__(
        self,
        locations: Locations,
        config: Config,
        demo: bool = False,
        first_screen: FirstScreen | None = None,
        library: Library | None = None,
    ) -> None:
        """``first_screen``: the first view's count, rows and unread count, read already;
        ``library``: the core's front door (by default on ``locations``' data directory)."""
        # NO_COLOR: Textual's own monochrome still draws 256-colour greys; with the terminal's
        # ANSI colours its NoColor filter draws none, and the styles mark by reverse and bold
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
        self.first_screen = first_screen
        self.locations = locations
        self.library = library or Library(locations)
        self.config = config
        self.demo = demo
        self.view = View()
        self.feeds: list[Feed] = []
        self.view_total: int | None = None  # articles in the view, once counted
        self.tags: list[str] = []
        self.article: Article | None = None
        self.article_view: ReadingView | None = None
        self.prefetched: ReadyArticle | None = None  # the row the cursor rests on, one pane
        self.related: list[RelatedArticle] = []
        self.related_index = -1
        self.walk: RelatedWalk | None = None  # ] and [ going through one article's related
        self.marked_read: list[int] = []  # what the last A marked: U makes it unread again
        self.sidebar_links: dict[str, str] = {}  # option id -> publisher-declared link
        self.bookmarks: list[Bookmark] = []
        self.bookmark_snapshots: dict[int, Bookmark] = {}  # row id (< 0) -> bookmark
        self.unread_total = 0
        self.refreshing = ""
        self.open_url_hook = self.open_url  # tests replace it: no browser starts
        self._bookmark_file: BookmarkFile | None = None
        self.refresh_stop = threading.Event()
        self.refresh_running = threading.Event()
        self._last_error = ""
        self._screen_ready = False  # set once mounted: the layout and the theme's saving wait
        theme = config.theme or load_state(self.state_file).get("theme", "")
        if theme in self.available_themes:
            self.theme = theme
        if config.keys:
            self.set_keymap(dict(config.keys))

    @property
    def bookmark_file(self) -> BookmarkFile:
        if self._bookmark_file is None:
            from newsreader.bookmarks import BookmarkFile

            self._bookmark_file = BookmarkFile(self.locations.bookmarks_file)
        return self._bookmark_file

    @property
    def state_file(self) -> Any:
        return self.locations.data_dir / "state.json"

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Panes(id="panes"):
            yield ArticleList(id="article-list")
            yield ReaderPane(id="reader")
            yield RelatedList(id="related")
        yield Static("", id="status", markup=False)
        yield KeyBar(id="keys", markup=False)

    def on_mount(self) -> None:
        self._screen_ready = True
        self.preview_id: int | None = None
        self.preview_timer = self.set_interval(PREVIEW_DELAY, self._preview, pause=True)
        self.query_one("#related", OptionList).border_title = "Related"
        self.query_one("#reader", ReaderPane).border_title = "Article"
        self.apply_layout()
        self.query_one(ArticleList).focus()
        self._check_keymap()
        first, self.first_screen = self.first_screen, None
        if first is None:
            self.show_view(self.view)
        else:  # read before start-up: the first frame has the rows and counts
            self.unread_total = first.unread
            self.update_header()
            loader, pages = self._store_loader(self.view), {0: first.rows} if first.total else {}
            self._view_counted(self.view, first.total, 0, loader, pages)
        self.start(first.unread if first is not None else None)
        self.set_interval(WATCH_SECONDS, self.watch_store)

    def on_unmount(self) -> None:
        """The reader is quitting: a running refresh stops (its fetches cancelled, nothing
        marked as failed) instead of running on while the interpreter shuts down."""
        self.refresh_stop.set()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that raised: its error in one line, on screen, never lost."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error)

    def report_error(self, error: BaseException) -> None:
        if not self.is_running:
            return
        if isinstance(error, NewsreaderError):
            message = clean_line(str(error))
        elif isinstance(error, sqlite3.Error):  # a store that broke after it was opened
            message = f"cannot read store {self.locations.database}: {describe(error)}"
        else:
            message = f"internal error: {type(error).__name__}: {clean_line(str(error))[:160]}"
        self.status(message)
        if message != self._last_error:  # several workers may meet one broken store
            self._last_error = message
            self.notify(message, severity="error", markup=False, timeout=10)

    def apply_layout(self) -> None:
        """Choose the layout for the terminal's width: at start, and from ``Panes`` when the
        terminal is resized (the app's own Resize event never reaches a handler)."""
        if not self._screen_ready:
            return
        width = self.size.width
        panes = self.panes
        layout = "-wide" if width >= WIDE else "-narrow" if width <= NARROW else "-medium"
        if panes.has_class(layout):
            return
        for pane in (self.query_one(ArticleList), self.query_one(ReaderPane)):
            pane.styles.clear_rule("display")  # set by _set_reading: the CSS decides again
        panes.set_class(width >= WIDE, "-wide", update=False)
        panes.set_class(NARROW < width < WIDE, "-medium", update=False)
        panes.set_class(width <= NARROW, "-narrow", update=False)
        panes.update_node_styles()  # one restyle for the three classes, not three
        panes.refresh(layout=True)  # clearing an inline rule asks for no layout by itself

    def _set_reading(self, reading: bool) -> None:
        """In the narrow layout, the reader or the list fills the screen. Their display is set
        on the two panes: a class on #panes restyles all three (the costliest part of the
        frame that shows the article); the class is kept for the CSS of the sidebar, which
        needs the restyle only when it is shown."""
        panes = self.panes
        self.query_one(ArticleList).display = not reading
        self.query_one(ReaderPane).display = reading
        panes.set_class(reading, "-reading", update=panes.has_class("-show-related"))
        self.refresh_bindings()

    def watch_theme(self, theme: str) -> None:
        if self._screen_ready:  # chosen by the user, not the config's theme set at construction
            save_state(self.state_file, theme=theme)

    @property
    def narrow(self) -> bool:
        return self.panes.has_class("-narrow")

    @property
    def panes(self) -> Panes:
        """The layout classes live here, not on the app: changing them restyles the panes only."""
        return self.query_one("#panes", Panes)

    def status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message))

    def update_header(self) -> None:
        parts = [self.view.label, f"{self.unread_total} unread"]
        if self.demo:
            parts.append("demo")
        if self.refreshing:
            parts.append(self.refreshing)
        self.sub_title = " · ".join(parts)

    # -- loading views --------------------------------------------------------------
    @work(thread=True, exclusive=True, group="start", exit_on_error=False)
    def start(self, unread: int | None = None) -> None:
        """What the first screen does not wait for: feeds (for the picker and the palette),
        the unread count (``unread``: read already with the first screen), bookmarks. The list
        is loaded at the same time by ``show_view``."""
        with self.library.store() as store:  # a first run creates it here, once
            feeds, tags = store.feeds(), store.tags()
            if unread is None:
                unread = store.count(unread_only=True)
        loaded = self.bookmark_file.load()
        self.call_from_thread(self._started, feeds, tags, unread, loaded)

    def _started(self, feeds: list[Feed], tags: list[str], unread: int, loaded: Any) -> None:
        self.feeds, self.tags, self.unread_total = feeds, tags, unread
        self.update_header()
        # What start-up built (Textual, styles, modules) lives as long as the app: the
        # collector stops walking it, and no full collection walks it again while reading.
        gc.freeze()
        self._set_bookmarks(loaded.bookmarks)
        if loaded.problem:
            self.notify(loaded.problem, severity="error", markup=False)
        if not feeds and not self.demo:
            self.push_screen(WelcomeScreen(), self._welcome_choice)
        failed = [f for f in feeds if f.last_error]
        if failed and self.view_total is not None:
            self._empty_note(self.view_total)  # the list came first: its line says it
        elif failed:
            self.status(
                f"{counted(len(failed), 'feed')} failed last time, e.g. {failed[0].display_title}: "
                f"{feed_problem(failed[0])} (f lists them)"
            )

    def _set_bookmarks(self, bookmarks: list[Bookmark]) -> None:
        self.bookmarks = bookmarks
        self.query_one(ArticleList).bookmarked = {b.url for b in bookmarks}
        self.query_one(ArticleList).refresh()

    def show_view(self, view: View, total: int | None = None, cursor: int = 0) -> None:
        """Switch the list to ``view`` (no reload of the app: only the list's pages)."""
        self.view = view
        article_list = self.query_one(ArticleList)
        article_list.match = match_pattern(view.query) if view.kind == "search" else None
        self.refresh_bindings()  # h/Esc goes back from any view but all articles
        self.update_header()
        if view.rows is not None:
            rows = view.rows

            def fixed(offset: int, limit: int, after: object) -> list[ArticleRow]:
                return list(rows[offset : offset + limit])

            article_list.reset(len(rows), fixed, cursor)
            self._empty_note(len(rows))
            return
        self.load_view_total(view, cursor, total)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def load_view_total(self, view: View, cursor: int, total: int | None) -> None:
        """Count the view and read the page the cursor is on, in one worker: the list then
        draws its first rows without a second trip through a thread."""
        with self.library.reading() as store:
            if total is None or view.feed_id or view.tag or view.unread_only:
                total = store.count(
                    feed_id=view.feed_id, tag=view.tag, unread_only=view.unread_only
                )
            number = max(0, min(cursor, total - 1)) // PAGE
            first = {number: view_rows(store, view, number * PAGE)} if total else {}
        loader = self._store_loader(view)
        self.call_from_thread(self._view_counted, view, total, cursor, loader, first)

    def _view_counted(
        self,
        view: View,
        total: int,
        cursor: int,
        loader: Any,
        first: dict[int, list[ArticleRow]],
    ) -> None:
        if view is not self.view:
            return
        self.query_one(ArticleList).reset(total, loader, cursor, pages=first)
        self._empty_note(total)

    def feed_of(self, article: Article, store: Store) -> Feed | None:
        """The article's feed, from the list the app holds (the store's once it is loaded)."""
        known = next((feed for feed in self.feeds if feed.id == article.feed_id), None)
        return known or store.feed_by_id(article.feed_id)

    def _store_loader(self, view: View) -> Any:
        def load(offset: int, limit: int, after: tuple[float, int] | None) -> list[ArticleRow]:
            return self.library.rows(view, offset, limit, after)

        return load

    def _empty_note(self, total: int) -> None:
        self.view_total = total
        if total:
            # the list may load after the start-up's failed-feeds line: keep its gist
            failed = sum(1 for feed in self.feeds if feed.last_error)
            note = f" · {counted(failed, 'feed')} failed last time (f lists them)" if failed else ""
            self.status(f"{counted(total, 'article')} in {self.view.label}{note}")
        elif self.view.kind == "search":
            self.status(f"nothing found for {self.view.query!r}")
        elif self.view.kind == "bookmarks":
            self.status("no bookmarks yet: b bookmarks the selected article")
        elif self.view.unread_only:
            self.status("no unread articles here (u shows all)")
        else:
            self.status("no articles here yet: R refreshes, f picks another view")

    # -- the open article -----------------------------------------------------------
    @on(ArticleList.Highlighted)
    def row_highlighted(self, event: ArticleList.Highlighted) -> None:
        """Once the cursor rests on a row (PREVIEW_DELAY) the reader beside the list previews
        it; alone, the reader gets it ready, wrapped, for Enter. Holding j moves the list
        without loading every article on the way."""
        self.preview_id = event.row.id
        self.preview_timer.reset()
        self.preview_timer.resume()

    def _preview(self) -> None:
        self.preview_timer.pause()
        article_id = self.preview_id
        reader = self._reader()
        if reader is None:
            return
        if article_id is None or (self.article is not None and self.article.id == article_id):
            return
        if not self.narrow:
            self.load_article(article_id)
        elif self.prefetched is None or self.prefetched.article.id != article_id:
            self._prefetch(article_id, self._layout_request(reader))

    @on(ArticleList.Selected)
    def row_selected(self, event: ArticleList.Selected) -> None:
        self.open_row(event.row)

    def load_article(
        self, article_id: int, *, mark_read: bool = False, open_pane: bool = False,
        focus: bool = False,
    ) -> None:  # fmt: skip
        """Read, build and wrap the article in a worker, for the reading pane as it is now (at
        once when it was got ready for this pane). A preview still waiting for the cursor to
        rest would replace this article: it is off."""
        self.preview_timer.pause()
        reader = self._reader()
        if reader is None:
            return
        request = self._layout_request(reader)
        ready = self.prefetched
        if (
            ready is not None
            and ready.article.id == article_id
            and ready.prepared.request == request
        ):
            self.workers.cancel_group(self, "reader")  # an older open must not replace it
            self._show_article(ready, open_pane, focus, mark_read)
        else:
            self._load_article(article_id, request, mark_read, open_pane, focus)

    def _reader(self) -> ReaderPane | None:
        """The reading pane; None while the app shuts down (a preview timer may fire then)."""
        return next(iter(self.query("#reader").results(ReaderPane)), None)

    def _layout_request(self, reader: ReaderPane) -> LayoutRequest:
        """Alone, a hidden reader will fill the space the list has now."""
        match = self.query_one(ArticleList).match
        return reader.layout_request(self.panes.size if self.narrow else None, match)

    def open_row(self, row: ArticleRow) -> None:
        """Open ``row``: nothing on screen changes until the article is ready, so the switch to
        the reader and the new text are drawn in one frame. Beside the list the focus stays on
        the list (j and n go on moving there; tab reaches the text); alone, the reader takes it."""
        self.load_article(
            row.id, mark_read=self.config.mark_read_on_open, open_pane=True, focus=self.narrow
        )

    def _ready_article(self, article_id: int, layout: LayoutRequest) -> ReadyArticle | None:
        """In a worker thread: the article read, built into parts and wrapped for ``layout``."""
        from newsreader.library.reading import build_view
        from newsreader.ui.render import highlighted, reading_parts

        if article_id < 0:  # a bookmark whose article is no longer stored
            bookmark = self.bookmark_snapshots[article_id]
            article = _article_from_bookmark(bookmark)
            view = build_view(article, bookmark.feed_title)
        else:
            with self.library.reading() as store:
                found = store.article(article_id)
                if found is None:
                    return None
                feed = self.feed_of(found, store)
            article = found
            view = build_view(article, feed.display_title if feed else "")
        parts = highlighted(reading_parts(view), layout.match, layout.match_style)
        return ReadyArticle(article, view, parts, prepare_layout(parts, layout))

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def _load_article(
        self, article_id: int, layout: LayoutRequest, mark_read: bool, open_pane: bool,
        focus: bool,
    ) -> None:  # fmt: skip
        ready = self._ready_article(article_id, layout)
        if ready is not None and not get_current_worker().is_cancelled:  # not replaced
            self.call_from_thread(self._show_article, ready, open_pane, focus, mark_read)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, article_id: int, layout: LayoutRequest) -> None:
        ready = self._ready_article(article_id, layout)
        if ready is not None and not get_current_worker().is_cancelled:
            self.call_from_thread(setattr, self, "prefetched", ready)

    def _show_article(
        self, ready: ReadyArticle, open_pane: bool, focus: bool, mark_read: bool
    ) -> None:
        previous = self.article_view
        article, view = ready.article, ready.view
        self.article, self.article_view = article, view
        reader = self.query_one("#reader", ReaderPane)
        reader.show(ready.parts, ready.prepared)
        if focus:
            reader.focus()  # first: hiding the focused list would move the focus anyway
        if open_pane and self.narrow:
            self._set_reading(True)
        walk = self.walk
        if walk is not None and walk.current == article.id:
            # a step of ] or [: the sidebar keeps the list being walked, its entry highlighted
            self._highlight_walked(walk)
            if article.id > 0:
                self.call_after_refresh(self.load_related, article)
            if mark_read and not article.read and article.id > 0:
                self.call_after_refresh(self._set_read_by_id, article.id, True)
            return
        self.walk = None
        self.related, self.related_index = [], -1
        sidebar = self.query_one("#related", OptionList)
        if article.id > 0:
            # the new ones replace these in a moment; the sidebar is redrawn after the article
            self.call_after_refresh(setattr, sidebar, "border_title", "Related …")
        else:
            self._show_related([], article)
        # what can wait for the article to be on screen: marking it read, its related articles
        if mark_read and not article.read and article.id > 0:
            self.call_after_refresh(self._set_read_by_id, article.id, True)
        if article.id > 0:
            self.call_after_refresh(self.load_related, article)
        had_links = bool(previous and previous.links)
        if previous is None or had_links != bool(view.links):
            self.refresh_bindings()  # the keys that depend on the article (o, y, b, 1-9)

    def _row_changed(self, article_id: int, read: bool, changed: int = 0) -> None:
        """An article's read state changed (``changed`` rows in the store): its row, the open
        article and the header's unread count follow, whether the row is on screen or not."""
        if self.article is not None and self.article.id == article_id:
            self.article = replace(self.article, read=read)
        ready = self.prefetched
        if ready is not None and ready.article.id == article_id:
            self.prefetched = replace(ready, article=replace(ready.article, read=read))
        self.query_one(ArticleList).set_read(article_id, read)
        if changed:  # never below 0, whatever another process did meanwhile
            self.unread_total = max(0, self.unread_total + (-changed if read else changed))
            self.update_header()

    @work(thread=True, exclusive=True, group="related", exit_on_error=False)
    def load_related(self, article: Article) -> None:
        from newsreader.related.rank import also_reported_by, related_articles

        with self.library.reading() as store:
            found = related_articles(store, article, 10)
            feed = self.feed_of(article, store)
        reporters = also_reported_by(found, feed.display_title if feed else "")
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._related_loaded, article, found, reporters)

    def _related_loaded(
        self, article: Article, found: list[RelatedArticle], reporters: list[str]
    ) -> None:
        if self.article is None or self.article.id != article.id:
            return
        walking = self.walk is not None and self.walk.current == article.id
        if not walking:  # a walk's sidebar stays the list being walked
            self.related = found
            self._show_related(found, article)
            self.refresh_bindings()  # ] and [ apply now
        if reporters and self.article_view is not None:
            meta = Text(self.article_view.meta)
            meta.append("\nAlso reported by: " + ", ".join(reporters), style="italic")
            self.query_one("#reader", ReaderPane).update_meta(meta)

    def _show_related(self, found: list[RelatedArticle], article: Article) -> None:
        from newsreader.ui.render import related_option

        sidebar = self.query_one("#related", OptionList)
        sidebar.border_title = "Related"
        sidebar.clear_options()
        options: list[Option | None] = []
        if found:
            options.append(Option(Text("In your feeds", style="bold"), disabled=True))
            options += [related_option(item, n) for n, item in enumerate(found)]
        self.sidebar_links = {}
        groups = self.article_view.related if self.article_view else ()
        for g, (group, links) in enumerate(groups):
            options.append(Option(Text(group, style="bold"), disabled=True))
            for n, link in enumerate(links):
                label = Text()
                if link.label:
                    label.append(f"[{link.label}] ", style="dim")
                label.append(link.title or link.url)
                self.sidebar_links[f"link:{g}:{n}"] = link.url
                options.append(Option(label, id=f"link:{g}:{n}"))
        if not options:
            options.append(Option(Text("No close match in your feeds", style="dim"), disabled=True))
        sidebar.add_options([o for o in options if o is not None])

    @on(OptionList.OptionSelected, "#related")
    def related_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option_id or ""
        if option_id.startswith("rel:"):
            walk = self.walk or self._start_walk()
            if walk is not None:
                self._walk_to(walk, int(option_id.split(":")[1]))
        elif option_id in self.sidebar_links:
            url = self.sidebar_links[option_id]
            if url:
                self._open_or_copy(url)
            else:
                self.notify("the publisher gave no link for this item", markup=False)

    # -- actions --------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_browser", "copy_link", "toggle_bookmark", "toggle_read"):
            return self._target() is not None  # (one without a link says so)
        if action in ("related",):
            return bool(self.related) or self.walk is not None
        if action == "open_link":
            return bool(self.article_view and self.article_view.links)
        if action == "back":
            return (
                (self.narrow and self.panes.has_class("-reading"))
                or not isinstance(self.focused, ArticleList)
                or self.view.kind != "all"
                or self.view.unread_only
            )
        if action == "refresh_feed":
            return self._target() is not None
        return True

    def _current_row(self) -> ArticleRow | None:
        return self.query_one(ArticleList).current

    def _target(self) -> Target | None:
        """What a key acts on: the row under the cursor while the list has the focus, else
        the open article (the reader or the related pane has the focus, or fills the screen)."""
        article = self.article
        if article is not None and not isinstance(self.focused, ArticleList):
            return Target(article.id, article.url, article.read, article.feed_id, article.title)
        row = self._current_row()
        if row is None:
            return None
        return Target(row.id, row.url, row.read, row.feed_id, row.title)

    def _target_url(self) -> str | None:
        """The link of what the keys act on; None, and said, when it has none."""
        target = self._target()
        if target is not None and target.url:
            return target.url
        if target is not None:
            self.notify(f"this article has no link: {target.title}", markup=False)
        return None

    def action_open(self) -> None:
        focused = self.focused
        if isinstance(focused, OptionList) and focused.id == "related":
            if focused.highlighted is not None:
                focused.action_select()
            return
        row = self._current_row()
        if row is not None:
            self.open_row(row)

    async def action_close(self) -> None:
        """q as in newsboat: from the article back to the list, from the list quit
        (``q_goes_back = false`` in config.toml: q always quits; Q always does)."""
        if self.config.q_goes_back and self._reading():
            await self.action_back()
        else:
            self.exit()

    def _reading(self) -> bool:
        """The article has the screen (alone) or the focus (the reader or its related pane)."""
        if self.narrow and self.panes.has_class("-reading"):
            return True
        return isinstance(self.focused, (ReaderPane, OptionList))

    async def action_back(self) -> None:
        if self.narrow and self.panes.has_class("-reading"):
            self._set_reading(False)
            self.query_one(ArticleList).focus()
        elif isinstance(self.focused, (ReaderPane, OptionList)):
            self.query_one(ArticleList).focus()
        elif self.view.kind != "all" or self.view.unread_only:
            self.show_view(View())

    def action_next_pane(self) -> None:
        order = [
            w
            for w in (
                self.query_one(ArticleList),
                self.query_one("#reader"),
                self.query_one("#related"),
            )
            if w.display and w.region.area
        ]
        if not order:
            return
        current = self.focused
        index = next((i for i, w in enumerate(order) if w is current), -1)
        order[(index + 1) % len(order)].focus()

    def action_next_unread(self) -> None:
        self._jump_unread(True)

    def action_prev_unread(self) -> None:
        self._jump_unread(False)

    @work(thread=True, exclusive=True, group="unread", exit_on_error=False)
    def _jump_unread(self, forward: bool) -> None:
        row = self._current_row()
        view = self.view
        if view.rows is not None:
            rows = list(view.rows)
            start = rows.index(row) if row in rows else -1
            indices = range(start + 1, len(rows)) if forward else range(start - 1, -1, -1)
            hit = next(((i, rows[i]) for i in indices if not rows[i].read), None)
        else:
            key = (
                (row.sort_key, row.id)
                if row
                else ((float("inf"), 0) if forward else (float("-inf"), 0))
            )
            hit = self.library.next_unread(view, key, forward)
        self.call_from_thread(self._unread_found, hit)

    def _unread_found(self, hit: tuple[int, ArticleRow] | None) -> None:
        if hit is None:
            self.notify("No more unread articles in this view", markup=False)
            return
        index, row = hit
        self.query_one(ArticleList).move_to(index)
        self.open_row(row)

    def action_toggle_read(self) -> None:
        target = self._target()
        if target is not None:
            self._set_read_by_id(target.id, not target.read)

    def _set_read(self, row: ArticleRow, read: bool) -> None:
        self._set_read_by_id(row.id, read)

    @work(thread=True, exit_on_error=False)
    def _set_read_by_id(self, article_id: int, read: bool) -> None:
        changed = 0
        if article_id > 0:
            changed, _unread = self.library.set_read([article_id], read)
        self.call_from_thread(self._row_changed, article_id, read, changed)

    def action_mark_view_read(self) -> None:
        """A asks first, with how many it would mark; U undoes it once."""
        self._ask_mark_view_read(self.view, [f.id for f in self.feeds if self.view.tag in f.tags])

    @work(thread=True, exclusive=True, group="mark", exit_on_error=False)
    def _ask_mark_view_read(self, view: View, tag_feeds: list[int]) -> None:
        if view.rows is not None:
            unread = sum(1 for r in view.rows if not r.read and r.id > 0)
        else:
            unread = self.library.count(replace(view, unread_only=True))
        if not unread:
            self.call_from_thread(self.notify, f"nothing unread in {view.label}", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._mark_view_read(view, tag_feeds)

        question = f"Mark {counted(unread, 'unread article')} in {view.label} read?"
        self.call_from_thread(self.push_screen, ConfirmScreen(question), answered)

    @work(thread=True, exclusive=True, group="mark", exit_on_error=False)
    def _mark_view_read(self, view: View, tag_feeds: list[int]) -> None:
        ids, unread = self.library.mark_view_read(view, tag_feeds)
        self.call_from_thread(self._view_marked, view, ids, unread)

    def action_undo_mark_read(self) -> None:
        ids, self.marked_read = self.marked_read, []
        if not ids:
            self.notify("nothing to undo: A marks a view read, U undoes that once", markup=False)
            return
        self._undo_mark_read(ids)

    @work(thread=True, exclusive=True, group="mark", exit_on_error=False)
    def _undo_mark_read(self, ids: list[int]) -> None:
        changed, unread = self.library.set_read(ids, False)
        self.call_from_thread(self._undone, changed, unread)

    def _undone(self, changed: int, unread: int) -> None:
        self.unread_total = unread
        self.prefetched = None
        self.notify(f"{counted(changed, 'article')} unread again", markup=False)
        self._after_refresh()  # the rows show their state again, the selection kept

    def _view_marked(self, view: View, ids: list[int], unread: int) -> None:
        self.unread_total = unread
        self.marked_read = ids
        self.prefetched = None  # read now, as the rest of the view
        self.notify(
            f"marked {counted(len(ids), 'article')} read in {view.label} (U undoes it)",
            markup=False,
        )
        if view.rows is not None:
            view = replace(view, rows=tuple(replace(r, read=True) for r in view.rows))
        self.show_view(view, cursor=self.query_one(ArticleList).cursor)

    def action_open_browser(self) -> None:
        url = self._target_url()
        if url:
            self._open_or_copy(url)

    def _open_or_copy(self, url: str) -> None:
        if not is_web_url(url):
            self.notify(
                f"not opened: only http(s) links open ({clean_line(url)[:80]})",
                severity="warning",
                markup=False,
            )
            return
        if _remote_or_headless():
            self.copy_to_clipboard(url)
            self.notify(f"no browser here: link copied (OSC 52)\n{url}", markup=False, timeout=8)
            return
        self.open_url_hook(url)
        self.notify(f"opening {url}", markup=False)

    def action_copy_link(self) -> None:
        url = self._target_url()
        if url:
            self.copy_to_clipboard(url)
            self.notify(f"copied\n{url}", markup=False, timeout=8)

    def action_open_link(self, number: int) -> None:
        if self.article_view is None:
            return
        links = self.article_view.links
        if 1 <= number <= len(links):
            self._open_or_copy(links[number - 1][0])
        else:
            self.notify(f"this article has {counted(len(links), 'numbered link')}", markup=False)

    def action_related(self, step: int) -> None:
        """] / [: the next or previous entry of the open article's related list, in order; the
        walk keeps that list (and the sidebar) until another article is opened otherwise."""
        walk = self.walk if self.walk is not None else self._start_walk()
        if walk is None:
            self.notify("no related articles for this article", markup=False)
            return
        position = walk.position + step
        if position < -1:
            self.notify("back at the article the related list is for", markup=False)
        elif position >= len(walk.items):
            self.notify(f"that was the last of {len(walk.items)} related articles", markup=False)
        else:
            self._walk_to(walk, position)

    def _start_walk(self) -> RelatedWalk | None:
        if self.article is None or not self.related:
            return None
        return RelatedWalk(self.article.id, list(self.related))

    def _walk_to(self, walk: RelatedWalk, position: int) -> None:
        """Open entry ``position`` of the walk (-1: the article the list is for)."""
        walk.position = position
        self.walk = walk
        self.related_index = position
        self.load_article(walk.current, mark_read=self.config.mark_read_on_open)

    def _highlight_walked(self, walk: RelatedWalk) -> None:
        sidebar = self.query_one("#related", OptionList)
        for i in range(sidebar.option_count):
            if sidebar.get_option_at_index(i).id == f"rel:{walk.position}":
                sidebar.highlighted = i
                return
        sidebar.highlighted = None

    def action_toggle_sidebar(self) -> None:
        self.panes.toggle_class("-show-related" if self.narrow else "-hide-related")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_help()))

    def key_help(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for every binding with an id, as bound now."""
        rows: dict[str, tuple[list[str], str]] = {}
        for suffix, node in self._binding_owners().items():
            live = BindingsMap()
            live.key_to_bindings = {k: list(v) for k, v in node._bindings.key_to_bindings.items()}
            live.apply_keymap(self._keymap)
            for key, bindings in live.key_to_bindings.items():
                for binding in bindings:
                    if binding.id:
                        label = (binding.description or binding.action) + suffix
                        keys, _ = rows.setdefault(label, ([], binding.id))
                        keys.append(self.get_key_display(Binding(key, "")))
        return [(", ".join(dict.fromkeys(k)), label, i) for label, (k, i) in rows.items()]

    def _binding_owners(self) -> dict[str, Any]:
        return {
            "": self,
            " (list)": self.query_one(ArticleList),
            " (reader)": self.query_one("#reader"),
        }

    def _check_keymap(self) -> None:
        known = {
            b.id
            for node in self._binding_owners().values()
            for bindings in node._bindings.key_to_bindings.values()
            for b in bindings
            if b.id
        }
        unknown = sorted(set(self.config.keys) - known)
        if unknown:
            self.notify(
                f"config.toml [keys]: no binding with the id {', '.join(unknown)} (? lists them)",
                severity="warning",
                markup=False,
            )

    # -- views ----------------------------------------------------------------------
    def action_toggle_unread(self) -> None:
        if self.view.rows is None:
            self.show_view(self.view.toggled_unread())

    def action_pick_view(self) -> None:
        self._open_picker()

    @work(thread=True, exclusive=True, group="picker", exit_on_error=False)
    def _open_picker(self) -> None:
        feeds, tags = self.library.feeds_and_tags()
        self.call_from_thread(self._picker_ready, feeds, tags)

    def _picker_ready(self, feeds: list[Feed], tags: list[str]) -> None:
        self.feeds, self.tags = feeds, tags
        self.push_screen(PickerScreen(feeds, tags), self._picked)

    def _picked(self, choice: str | None) -> None:
        if choice is None:
            return
        if choice == "all":
            self.show_view(View())
        elif choice == "unread":
            self.show_view(View(title="All articles", unread_only=True))
        elif choice == "bookmarks":
            self.action_bookmarks_view()
        elif choice.startswith("tag:"):
            tag = choice[4:]
            self.show_view(View(kind="tag", title=f"Tag {tag}", tag=tag))
        elif choice.startswith("feed:"):
            feed = next((f for f in self.feeds if f.id == int(choice[5:])), None)
            if feed is not None:
                self.show_view(View(kind="feed", title=feed.display_title, feed_id=feed.id))

    def action_search(self) -> None:
        self.push_screen(PromptScreen("Search", 'words, "a phrase", pre*, a OR b'), self._search)

    def _search(self, query: str | None) -> None:
        if query:
            self._run_search(query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _run_search(self, query: str) -> None:
        from newsreader.models import SearchQueryError

        try:
            rows, _pending = self.library.search(query, limit=500)
        except SearchQueryError as exc:
            self.call_from_thread(self.report_error, exc)
            return
        view = View(kind="search", title=f"Search: {query}", query=query, rows=tuple(rows))
        self.call_from_thread(self.show_view, view)

    # -- palette --------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        live_keys = {binding_id: keys for keys, _label, binding_id in self.key_help()}
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.id and not binding.id.startswith("open_link"):
                action = binding.action
                keys = live_keys.get(binding.id, binding.key)  # as rebound in config.toml
                yield SystemCommand(
                    binding.description,
                    markup_literal(f"{binding.description} ({keys})"),
                    lambda a=action: self.run_action(a),
                )
        yield SystemCommand(
            "Bookmark: edit tags",
            "Tags of the selected bookmark",
            lambda: self.edit_bookmark("tags"),
        )
        yield SystemCommand(
            "Bookmark: edit note",
            "Note of the selected bookmark",
            lambda: self.edit_bookmark("note"),
        )
        for feed in self.feeds:
            # the palette reads command names as markup: feed titles and tags are escaped
            yield SystemCommand(
                f"Go to feed: {markup_literal(feed.display_title)}",
                f"{feed.unread_count} unread of {feed.article_count}",
                lambda f=feed: self.show_view(
                    View(kind="feed", title=f.display_title, feed_id=f.id)
                ),
            )
        for tag in self.tags:
            yield SystemCommand(
                f"Go to tag: {markup_literal(tag)}",
                "feeds with this tag",
                lambda t=tag: self.show_view(View(kind="tag", title=f"Tag {t}", tag=t)),
            )


def _remote_or_headless() -> bool:
    """Over SSH, or on a Linux box with no display: no browser can start here."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return True
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False
