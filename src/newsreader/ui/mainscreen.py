"""The main screen: article list, reading pane and related-articles sidebar.

It owns the panes, the workers and their handlers; the app above it owns the services (the
library, the config, the bookmarks file), the theme, the keymap and the palette. The store and
the bookmarks file are used only in thread workers, and every worker ends by posting a message
(it never waits on the UI). Every string from a feed reaches the screen as a ``rich.text.Text``
(literal, never markup). Every binding has an id, so config.toml ``[keys]`` rebinds it.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.worker import Worker, WorkerState, get_current_worker

from newsreader.library import Library
from newsreader.library.config import Config
from newsreader.library.paths import Locations
from newsreader.library.views import PAGE, View, view_rows
from newsreader.models import UNREAD, Article, ArticleRow, Bookmark, NewsreaderError
from newsreader.store import describe
from newsreader.text.phrases import counted, feed_problem
from newsreader.text.sanitize import clean_line
from newsreader.text.searchquery import match_pattern
from newsreader.ui.articlelist import ArticleList
from newsreader.ui.bookmarking import BookmarksMixin, _article_from_bookmark
from newsreader.ui.fulltext import FullTextMixin
from newsreader.ui.keybar import KeyBar
from newsreader.ui.linking import LinksMixin
from newsreader.ui.marking import MarkingMixin
from newsreader.ui.messages import ArticlePrefetched, ArticleReady, Started, ViewLoaded
from newsreader.ui.onboarding import OnboardingMixin
from newsreader.ui.readerpane import LayoutRequest, ReaderPane, ReadyArticle, ready_article
from newsreader.ui.refreshing import WATCH_SECONDS, RefreshMixin
from newsreader.ui.relatedlist import RelatedList
from newsreader.ui.relatedwalk import RelatedMixin, RelatedWalk
from newsreader.ui.screens import HelpScreen, WelcomeScreen
from newsreader.ui.syncing import SyncMixin
from newsreader.ui.viewpicking import ViewsMixin

PREVIEW_DELAY = 0.08  # seconds the cursor rests on a row before the reader shows it
WIDE, NARROW = 160, 100  # columns: three panes at WIDE and above, one pane at NARROW and below

# Reading, related articles and bookmarks (and lxml behind them) load in the workers that use
# them, after the first screen is up: a tenth of a second less before the list shows.
if TYPE_CHECKING:
    from newsreader.bookmarks import BookmarkFile
    from newsreader.library.firstscreen import FirstScreen
    from newsreader.library.reading import ReadingView
    from newsreader.models import Feed
    from newsreader.related.rank import RelatedArticle


def _binding(keys: str, action: str, description: str, id: str, show: bool = True) -> Binding:
    return Binding(keys, action, description, show=show, id=id)


class Panes(Horizontal):
    """The three panes; a change of their size (the terminal's) may change the layout."""

    class Resized(Message):
        pass

    def on_resize(self) -> None:
        self.post_message(self.Resized())


class MainScreen(
    BookmarksMixin,
    FullTextMixin,
    RefreshMixin,
    SyncMixin,
    OnboardingMixin,
    MarkingMixin,
    LinksMixin,
    RelatedMixin,
    ViewsMixin,
    Screen[None],
):
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding("q", "close", "Quit", "quit"),
        _binding("Q", "app.quit", "Quit now", "quit_now", show=False),
        _binding("enter,l", "open", "Open", "open"),
        _binding("h,escape", "back", "Back", "back"),
        _binding("tab", "next_pane", "Next pane", "next_pane", show=False),
        _binding("n", "next_unread", "Next unread", "next_unread"),
        _binding("p", "prev_unread", "Prev unread", "prev_unread", show=False),
        _binding("m", "toggle_read", "Read/unread", "toggle_read", show=False),
        _binding("A", "mark_view_read", "Mark view read", "mark_view_read", show=False),
        _binding("U", "undo_mark_read", "Undo mark read", "undo_mark_read", show=False),
        _binding("o", "open_browser", "Open link", "open_browser"),
        _binding("e", "full_text", "Full text", "full_text", show=False),
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
        library: Library,
        config: Config,
        locations: Locations,
        *,
        demo: bool = False,
        first_screen: FirstScreen | None = None,
    ) -> None:
        """``first_screen``: the first view's count, rows and unread count, read already."""
        super().__init__(id="main")
        self.library, self.config, self.locations = library, config, locations
        self.demo = demo
        self.first_screen = first_screen
        self.view = View()
        self.feeds: list[Feed] = []
        self.view_total: int | None = None  # articles in the view, once counted
        self.tags: list[str] = []
        self.article: Article | None = None
        self.article_view: ReadingView | None = None
        self.prefetched: ReadyArticle | None = None  # the row the cursor rests on, one pane
        self.related: list[RelatedArticle] = []
        self.walk: RelatedWalk | None = None  # ] and [ going through one article's related
        self.marked_read: list[int] = []  # what the last A marked: U makes it unread again
        self.bookmarks: list[Bookmark] = []
        self.bookmark_snapshots: dict[int, Bookmark] = {}  # row id (< 0) -> bookmark
        self.unread_total = 0
        self.refreshing = ""
        self.refresh_stop = threading.Event()
        self.refresh_running = threading.Event()
        self.preview_id: int | None = None
        self._last_error = ""

    @property
    def bookmark_file(self) -> BookmarkFile:
        return self.app.bookmark_file

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
        self.preview_timer = self.set_interval(PREVIEW_DELAY, self._preview, pause=True)
        self.query_one("#reader", ReaderPane).border_title = "Article"
        self.apply_layout()
        self.query_one(ArticleList).focus()
        self.app.check_keymap()
        first, self.first_screen = self.first_screen, None
        if first is None:
            self.show_view(self.view)
        else:  # read before start-up: the first frame has the rows and counts
            self.unread_total = first.unread
            self.update_header()
            pages = {0: first.rows} if first.total else {}
            self.on_view_loaded(ViewLoaded(self.view, first.total, 0, pages))
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
        if not self.app.is_running:
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

    def on_panes_resized(self) -> None:
        self.apply_layout()

    def apply_layout(self) -> None:
        """Choose the layout for the terminal's width: at start, and when the panes are
        resized (the app's own Resize event never reaches a handler)."""
        width = self.app.size.width
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

    @property
    def narrow(self) -> bool:
        return self.panes.has_class("-narrow")

    @property
    def panes(self) -> Panes:
        """The layout classes live here, not on the screen: changing them restyles the panes."""
        return self.query_one("#panes", Panes)

    def status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message))

    def update_header(self) -> None:
        parts = [self.view.label, f"{self.unread_total} unread"]
        if self.demo:
            parts.append("demo")
        if self.refreshing:
            parts.append(self.refreshing)
        if self.queued_actions:
            parts.append(f"sync: {self.queued_actions} queued")
        self.app.sub_title = " · ".join(parts)

    # -- loading views --------------------------------------------------------------
    @work(thread=True, exclusive=True, group="start", exit_on_error=False)
    def start(self, unread: int | None = None) -> None:
        """What the first screen does not wait for: feeds (for the picker and the palette),
        the unread count (``unread``: read already with the first screen), bookmarks. The list
        is loaded at the same time by ``show_view``."""
        with self.library.store() as store:  # a first run creates it here, once
            feeds, tags = store.feeds(), store.tags()
            if unread is None:
                unread = store.count(UNREAD)
        self.post_message(Started(feeds, tags, unread, self.bookmark_file.load()))

    def on_started(self, message: Started) -> None:
        feeds = message.feeds
        self.feeds, self.tags, self.unread_total = feeds, message.tags, message.unread
        self.update_header()
        # What start-up built (Textual, styles, modules) lives as long as the app: the
        # collector stops walking it, and no full collection walks it again while reading.
        gc.freeze()
        self._set_bookmarks(message.loaded.bookmarks)
        if message.loaded.problem:
            self.notify(message.loaded.problem, severity="error", markup=False)
        if not feeds and not self.demo and self.config.sync is not None:
            self.start_sync()  # a new machine on a server it syncs with: its feeds come from it
        elif not feeds and not self.demo:
            self.app.push_screen(WelcomeScreen(), self._welcome_choice)
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
        """Switch the list to ``view`` (no reload of the screen: only the list's pages)."""
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
                total = store.count(view.filter)
            number = max(0, min(cursor, total - 1)) // PAGE
            first = {number: view_rows(store, view, number * PAGE)} if total else {}
        self.post_message(ViewLoaded(view, total, cursor, first))

    def on_view_loaded(self, message: ViewLoaded) -> None:
        view = message.view
        if view is not self.view:
            return
        loader = self._store_loader(view)
        article_list = self.query_one(ArticleList)
        article_list.reset(message.total, loader, message.cursor, pages=message.pages)
        self._empty_note(message.total)

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
            bookmark = self.bookmark_snapshots.get(article_id) if article_id < 0 else None
            self._load_article(article_id, bookmark, request, mark_read, open_pane, focus)

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

    def _ready_article(
        self, article_id: int, bookmark: Bookmark | None, layout: LayoutRequest
    ) -> ReadyArticle | None:
        """In a worker thread: the article read (or ``bookmark``'s snapshot, for a bookmark
        whose article is no longer stored), built into parts and wrapped for ``layout``."""
        if bookmark is not None:
            return ready_article(_article_from_bookmark(bookmark), bookmark.feed_title, layout)
        with self.library.reading() as store:
            found = store.article(article_id)
            if found is None:
                return None
            feed = store.feed_by_id(found.feed_id)
        return ready_article(found, feed.display_title if feed else "", layout)

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def _load_article(
        self, article_id: int, bookmark: Bookmark | None, layout: LayoutRequest,
        mark_read: bool, open_pane: bool, focus: bool,
    ) -> None:  # fmt: skip
        ready = self._ready_article(article_id, bookmark, layout)
        if ready is not None and not get_current_worker().is_cancelled:  # not replaced
            self.post_message(
                ArticleReady(ready, open_pane=open_pane, focus=focus, mark_read=mark_read)
            )

    def _prefetch(self, article_id: int, layout: LayoutRequest) -> None:
        bookmark = self.bookmark_snapshots.get(article_id) if article_id < 0 else None
        self._prefetch_article(article_id, bookmark, layout)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch_article(
        self, article_id: int, bookmark: Bookmark | None, layout: LayoutRequest
    ) -> None:
        ready = self._ready_article(article_id, bookmark, layout)
        if ready is not None and not get_current_worker().is_cancelled:
            self.post_message(ArticlePrefetched(ready))

    def on_article_prefetched(self, message: ArticlePrefetched) -> None:
        self.prefetched = message.ready

    def on_article_ready(self, message: ArticleReady) -> None:
        self._show_article(message.ready, message.open_pane, message.focus, message.mark_read)

    def _show_article(
        self, ready: ReadyArticle, open_pane: bool, focus: bool, mark_read: bool
    ) -> None:
        previous = self.article_view
        article, view = ready.article, ready.view
        self.article, self.article_view = article, view
        self.full_text_of = 0  # the feed's text: e reads the page
        reader = self.query_one("#reader", ReaderPane)
        reader.show(ready.parts, ready.prepared)
        if focus:
            reader.focus()  # first: hiding the focused list would move the focus anyway
        if open_pane and self.narrow:
            self._set_reading(True)
        walk = self.walk
        if walk is not None and walk.current == article.id:
            # a step of ] or [: the sidebar keeps the list being walked, its entry highlighted
            self.sidebar.highlight_article(walk.position)
            if article.id > 0:
                self.call_after_refresh(self.load_related, article)
            if mark_read and not article.read and article.id > 0:
                self.call_after_refresh(self._set_read_by_id, article.id, True)
            return
        self.walk = None
        self.related = []
        if article.id > 0:
            # the new ones replace these in a moment; the sidebar is redrawn after the article
            self.call_after_refresh(self.sidebar.show_loading)
        else:
            self.show_related([])
        # what can wait for the article to be on screen: marking it read, its related articles
        if mark_read and not article.read and article.id > 0:
            self.call_after_refresh(self._set_read_by_id, article.id, True)
        if article.id > 0:
            self.call_after_refresh(self.load_related, article)
        had_links = bool(previous and previous.links)
        if previous is None or had_links != bool(view.links):
            self.refresh_bindings()  # the keys that depend on the article (o, y, b, 1-9)

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
            self.app.exit()

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

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.app.key_help()))
