"""What the main screen's mixins may use of the screen, declared for the type checker.

The main screen's behaviour is split over mixins of one Screen class, one job each; each
reaches for the attributes and methods the others and the screen define. Under type checking
the mixins derive from :class:`MainBase`, which declares them; at run time from ``object``, so
nothing here can shadow a real definition further along the method resolution order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import threading

    from textual.screen import Screen

    from newsreader.bookmarks import BookmarkFile
    from newsreader.library import Library
    from newsreader.library.config import Config
    from newsreader.library.paths import Locations
    from newsreader.library.reading import ReadingView
    from newsreader.library.views import View
    from newsreader.models import Article, ArticleRow, Bookmark, Feed
    from newsreader.related.rank import RelatedArticle
    from newsreader.ui.app import NewsreaderApp
    from newsreader.ui.linking import Target
    from newsreader.ui.mainscreen import Panes
    from newsreader.ui.readerpane import LayoutRequest, ReaderPane, ReadyArticle
    from newsreader.ui.relatedwalk import RelatedWalk

    class MainBase(Screen[None]):
        app: NewsreaderApp
        locations: Locations
        library: Library
        config: Config
        demo: bool
        feeds: list[Feed]
        tags: list[str]
        view: View
        view_total: int | None
        unread_total: int
        refreshing: str
        article: Article | None
        article_view: ReadingView | None
        bookmarks: list[Bookmark]
        bookmark_snapshots: dict[int, Bookmark]
        prefetched: ReadyArticle | None
        related: list[RelatedArticle]
        walk: RelatedWalk | None
        marked_read: list[int]
        refresh_stop: threading.Event
        refresh_running: threading.Event
        queued_actions: int

        @property
        def bookmark_file(self) -> BookmarkFile:
            raise NotImplementedError

        @property
        def narrow(self) -> bool:
            raise NotImplementedError

        @property
        def panes(self) -> Panes:
            raise NotImplementedError

        def status(self, message: str) -> None: ...
        def update_header(self) -> None: ...
        def show_view(self, view: View, total: int | None = None, cursor: int = 0) -> None: ...
        def _set_bookmarks(self, bookmarks: list[Bookmark]) -> None: ...
        def _empty_note(self, total: int) -> None: ...
        def run_refresh(self, feeds: list[Feed], manual: bool = False) -> None: ...
        def _after_refresh(self) -> None: ...
        def start_sync(self) -> None: ...
        def count_queued(self) -> Any: ...
        def open_row(self, row: ArticleRow) -> None: ...
        def load_article(
            self, article_id: int, *, mark_read: bool = False, open_pane: bool = False,
            focus: bool = False,
        ) -> None: ...  # fmt: skip
        # workers: what @work makes of a method (it returns the Worker)
        def _set_read_by_id(self, *args: Any, **kwargs: Any) -> Any: ...
        def _layout_request(self, reader: ReaderPane) -> LayoutRequest:
            raise NotImplementedError

        def load_related(self, *args: Any, **kwargs: Any) -> Any: ...
        def _open_or_copy(self, url: str) -> None: ...
        def _welcome_choice(self, choice: str | None) -> None: ...
        def action_bookmarks_view(self) -> None: ...
        def show_related(self, found: list[RelatedArticle], *, waiting: bool = False) -> None: ...

        def _store_loader(self, view: View) -> Any:
            raise NotImplementedError

        def _current_row(self) -> ArticleRow | None:
            raise NotImplementedError

        def _target_url(self) -> str | None:
            raise NotImplementedError

        def _target(self) -> Target | None:
            raise NotImplementedError

else:
    MainBase = object
