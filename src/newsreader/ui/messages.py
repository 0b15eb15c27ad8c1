"""Messages that workers post to the main screen: a worker never waits on the UI to hear them
(``call_from_thread`` would block it until the UI has run the callback)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.notifications import SeverityLevel

if TYPE_CHECKING:
    from newsreader.bookmarks import LoadResult
    from newsreader.library.views import View
    from newsreader.models import Article, ArticleRow, Bookmark, Feed
    from newsreader.related.rank import RelatedArticle
    from newsreader.sync.engine import SyncReport
    from newsreader.ui.readerpane import ReadyArticle


class RefreshProgress(Message):
    """A refresh finished ``done`` of ``total`` feeds; a newer one replaces it in the queue."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgress)


class RefreshStage(Message):
    """Every feed is stored (``"stored"``), or the full-text index is complete
    (``"searchable"``)."""

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage


class RefreshDone(Message):
    def __init__(self, outcomes: list[Any]) -> None:
        super().__init__()
        self.outcomes = outcomes


class RefreshFailed(Message):
    """The refresh stopped short; ``message`` is the one line that says why."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class StoreChanged(Message):
    """What the store's watch saw: (newest article id, latest fetch time, unread count)."""

    def __init__(self, marker: tuple[int, float, int]) -> None:
        super().__init__()
        self.marker = marker


class Started(Message):
    """What the first screen did not wait for: feeds, tags, the unread count, bookmarks."""

    def __init__(self, feeds: list[Feed], tags: list[str], unread: int, loaded: LoadResult) -> None:
        super().__init__()
        self.feeds, self.tags, self.unread, self.loaded = feeds, tags, unread, loaded


class ViewLoaded(Message):
    """A view counted, with the page the cursor is on: the list draws it at once."""

    def __init__(
        self, view: View, total: int, cursor: int, pages: dict[int, list[ArticleRow]]
    ) -> None:
        super().__init__()
        self.view, self.total, self.cursor, self.pages = view, total, cursor, pages


class ViewReloaded(Message):
    """The view read again after rows were stored: feeds, tags and counts as they are now,
    the selected row's new ``position`` (None: it is gone) and the pages the screen shows."""

    def __init__(
        self,
        view: View,
        feeds: list[Feed],
        tags: list[str],
        unread: int,
        total: int,
        position: int | None,
        pages: dict[int, list[ArticleRow]],
    ) -> None:
        super().__init__()
        self.view, self.feeds, self.tags, self.unread = view, feeds, tags, unread
        self.total, self.position, self.pages = total, position, pages


class ArticleReady(Message):
    """An article read, built and wrapped for the reading pane as it was when asked."""

    def __init__(
        self, ready: ReadyArticle, *, open_pane: bool, focus: bool, mark_read: bool
    ) -> None:
        super().__init__()
        self.ready, self.open_pane, self.focus, self.mark_read = ready, open_pane, focus, mark_read


class ArticlePrefetched(Message):
    """The row the cursor rests on, got ready for Enter while the reader is hidden."""

    def __init__(self, ready: ReadyArticle) -> None:
        super().__init__()
        self.ready = ready


class RelatedFound(Message):
    """``waiting``: the article is not in the related index yet."""

    def __init__(
        self,
        article: Article,
        found: list[RelatedArticle],
        reporters: list[str],
        waiting: bool = False,
    ) -> None:
        super().__init__()
        self.article, self.found, self.reporters = article, found, reporters
        self.waiting = waiting


class ReadChanged(Message):
    """An article's read state is now ``read``; ``changed`` rows changed in the store."""

    def __init__(self, article_id: int, read: bool, changed: int) -> None:
        super().__init__()
        self.article_id, self.read, self.changed = article_id, read, changed


class UnreadFound(Message):
    """n / p: the next unread row (its index in the view), or None: there is none."""

    def __init__(self, hit: tuple[int, ArticleRow] | None) -> None:
        super().__init__()
        self.hit = hit


class MarkViewCounted(Message):
    """A: how many unread articles the view has, for the question asked before marking."""

    def __init__(self, view: View, unread: int) -> None:
        super().__init__()
        self.view, self.unread = view, unread


class ViewMarkedRead(Message):
    def __init__(self, view: View, ids: list[int], unread: int) -> None:
        super().__init__()
        self.view, self.ids, self.unread = view, ids, unread


class MarkUndone(Message):
    def __init__(self, changed: int, unread: int) -> None:
        super().__init__()
        self.changed, self.unread = changed, unread


class PickerReady(Message):
    """f: the feeds and tags as stored now, for the picker."""

    def __init__(
        self,
        feeds: list[Feed],
        tags: list[str],
        saved: list[tuple[str, View, int, int]] | None = None,
    ) -> None:
        super().__init__()
        self.feeds, self.tags = feeds, tags
        self.saved = saved or []  # (name, view, unread, total) of each saved search


class RefreshListed(Message):
    """R: every feed as stored now, to refresh."""

    def __init__(self, feeds: list[Feed]) -> None:
        super().__init__()
        self.feeds = feeds


class SyncDone(Message):
    """A sync ended: its one line, its report, and the feeds it left to the refresh."""

    def __init__(self, line: str, report: SyncReport, local_feeds: list[Feed]) -> None:
        super().__init__()
        self.line = line
        self.report = report
        self.local_feeds = local_feeds


class SyncQueued(Message):
    """How many actions wait for the sync server."""

    def __init__(self, queued: int) -> None:
        super().__init__()
        self.queued = queued


class SearchDone(Message):
    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view


class BookmarksChanged(Message):
    """The bookmarks file as written, with the line that says what changed."""

    def __init__(self, bookmarks: list[Bookmark], message: str) -> None:
        super().__init__()
        self.bookmarks, self.message = bookmarks, message


class BookmarksViewReady(Message):
    """B: the Bookmarks view, and the snapshots its rows without a stored article open from."""

    def __init__(
        self,
        bookmarks: list[Bookmark],
        snapshots: dict[int, Bookmark],
        view: View,
        problem: str,
    ) -> None:
        super().__init__()
        self.bookmarks, self.snapshots, self.view, self.problem = (
            bookmarks, snapshots, view, problem
        )  # fmt: skip


class FeedsAdded(Message):
    """Feeds the welcome screen added (by URL or from a file): they are refreshed next."""

    def __init__(self, feeds: list[Feed]) -> None:
        super().__init__()
        self.feeds = feeds


class Notice(Message):
    """One line a worker has to say (``severity`` as ``notify`` takes it); ``welcome_again``:
    the welcome screen comes back (its prompt was left empty)."""

    def __init__(
        self, text: str, severity: SeverityLevel = "information", welcome_again: bool = False
    ) -> None:
        super().__init__()
        self.text, self.severity, self.welcome_again = text, severity, welcome_again


class FullTextReady(Message):
    """The open article laid out again: its page's text (``from_page``) or its feed's."""

    def __init__(self, ready: ReadyArticle, *, from_page: bool) -> None:
        super().__init__()
        self.ready, self.from_page = ready, from_page


class FullTextFailed(Message):
    """No article text from the page of ``article_id``: ``text`` says why, in one line."""

    def __init__(self, article_id: int, text: str) -> None:
        super().__init__()
        self.article_id, self.text = article_id, text
