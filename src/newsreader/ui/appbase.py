"""What the app's mixins may use of the app, declared for the type checker.

The main screen's behaviour is split over mixins of one App class; each reaches for the
attributes and methods the others and the App define. Under type checking the mixins derive
from :class:`AppBase`, which declares them; at run time from ``object``, so nothing here can
shadow a real definition further along the method resolution order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from newsreader.bookmarks import BookmarkFile
    from newsreader.library import Library
    from newsreader.library.config import Config
    from newsreader.library.paths import Locations
    from newsreader.library.views import View
    from newsreader.models import ArticleRow, Bookmark, Feed
    from newsreader.ui.app import Target
    from newsreader.ui.readerpane import ReadyArticle

    class AppBase(App[None]):
        locations: Locations
        library: Library
        config: Config
        feeds: list[Feed]
        view: View
        refreshing: str
        bookmarks: list[Bookmark]
        prefetched: ReadyArticle | None

        @property
        def bookmark_file(self) -> BookmarkFile:
            raise NotImplementedError

        def status(self, message: str) -> None: ...
        def update_header(self) -> None: ...
        def show_view(self, view: View, total: int | None = None, cursor: int = 0) -> None: ...
        def _set_bookmarks(self, bookmarks: list[Bookmark]) -> None: ...
        def _empty_note(self, total: int) -> None: ...
        def run_refresh(self, feeds: list[Feed], manual: bool = False) -> None: ...
        def _after_refresh(self) -> None: ...

        def _store_loader(self, view: View) -> Any:
            raise NotImplementedError

        def _current_row(self) -> ArticleRow | None:
            raise NotImplementedError

        def _target_url(self) -> str | None:
            raise NotImplementedError

        def _target(self) -> Target | None:
            raise NotImplementedError

else:
    AppBase = object
