"""The library: the one front door to the core that the CLI and the reader share.

:class:`Library` holds the data directory and offers what both front ends do — subscribe,
import, remove, pages of a view, open an article (completed in one place), mark read by a
view, search, related articles, bookmark snapshots — and hands out the store for what a caller
reads in one go. Beside it: the settings and paths (``config``, ``paths``, ``state``),
subscription lists (``opml``), the refresh, views, reading and the demo.

Every call opens the store for the calling thread and closes it (a connection belongs to the
thread that opened it), so a worker thread may call any method. Nothing here imports a UI
toolkit; the heavy parts are imported when first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from newsreader.library.paths import Locations
from newsreader.models import UNREAD, Article, ArticleRow, Bookmark, Feed, UsageError, is_id

if TYPE_CHECKING:
    from newsreader.bookmarks.file import BookmarkFile
    from newsreader.library.opml import Subscription
    from newsreader.library.rules import RuleSet, Verdict
    from newsreader.library.ruling import RulesApplied
    from newsreader.library.saved import SavedSearch
    from newsreader.library.views import View
    from newsreader.related.rank import RelatedArticle
    from newsreader.store import Store, StoredFullText
    from newsreader.sync.engine import SyncReport
    from newsreader.sync.settings import SyncSettings


class Library:
    """The operations on one data directory (its store; the bookmarks file is the caller's)."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations

    # -- the store ----------------------------------------------------------------------
    def store(self) -> Store:
        """A read-write store for this thread (created or upgraded on its first open)."""
        from newsreader.store import Store

        return Store(self.locations.database)

    def reading(self) -> Store:
        """A store for work that only reads: a read-only connection (no schema check, no WAL
        set-up) when the store is ready; else the read-write open, which waits for a first
        run's other worker creating it or upgrades it; on a medium no one can write, the
        read-only fallback of :meth:`Store.for_reading`."""
        from newsreader.models import StoreError
        from newsreader.store import Store

        database = self.locations.database
        if database.exists():
            try:
                store = Store(database, readonly=True)
                if store.schema_ready():
                    return store
                store.close()
            except StoreError:
                pass
        return Store.for_reading(database)

    # -- subscriptions ------------------------------------------------------------------
    def subscribe(self, source: str, title: str = "", tags: Sequence[str] = ()) -> Feed:
        """Subscribe to a feed URL, file or folder (as typed: normalised here)."""
        from newsreader.sources.kind import normalise_source
        from newsreader.text.sanitize import is_web_url

        url = normalise_source(source)
        with self.store() as store:
            feed = store.add_feed(url, title, tags)
            if store.follows_account() and is_web_url(url):
                store.queue("subscribe", url)  # the server fetches it; its articles come from it
            return feed

    def import_subscriptions(self, subscriptions: Sequence[Subscription]) -> list[Feed]:
        """Subscribe to each listed feed not subscribed yet; the feeds added."""
        added: list[Feed] = []
        with self.store() as store:
            for sub in subscriptions:
                if store.feed_by_url(sub.url) is None:
                    added.append(store.add_feed(sub.url, sub.title, sub.tags))
        return added

    def remove(self, key: str) -> Feed:
        """Unsubscribe from a feed named by id, URL, path or title, with its articles."""
        from newsreader.sources.kind import normalise_source
        from newsreader.text.sanitize import redact_credentials

        with self.store() as store:
            try:
                feed = store.find_feed(key)
            except UsageError:
                try:
                    feed = store.find_feed(normalise_source(key))
                except UsageError:
                    raise UsageError(f"no such feed: {redact_credentials(key)}") from None
            remote = {f: r for r, f in store.synced_feeds().items()}.get(feed.id)
            if remote is not None:
                store.queue("unsubscribe", remote)
            return store.remove_feed(str(feed.id))

    def remove_listed(self, subscriptions: Sequence[Subscription]) -> tuple[int, int, int]:
        """Undo an import: (feeds removed, listed but not subscribed, articles removed)."""
        removed = absent = articles = 0
        with self.store() as store:
            for sub in subscriptions:
                feed = store.feed_by_url(sub.url)
                if feed is None:
                    absent += 1
                    continue
                store.remove_feed(str(feed.id))
                removed += 1
                articles += feed.article_count
        return removed, absent, articles

    def feeds(self) -> list[Feed]:
        with self.reading() as store:
            return store.feeds()

    def feeds_and_tags(self) -> tuple[list[Feed], list[str]]:
        with self.reading() as store:
            return store.feeds(), store.tags()

    def saved_view(self, search: SavedSearch) -> View:
        """A saved search as a view (its feed found by URL, id or title)."""
        from newsreader.library.saved import read_query, view_filter
        from newsreader.library.views import View

        query = read_query(search.query)
        with self.reading() as store:
            found = view_filter(query, lambda key: store.find_feed(key).id)
        return View(
            kind="saved", title=f"Saved: {search.name}", query=search.query,
            unread_only=found.unread_only, saved=found,
        )  # fmt: skip

    def saved_counts(self, searches: list[SavedSearch]) -> list[tuple[SavedSearch, View, int, int]]:
        """(search, its view, unread, total) of each saved search that can be read; one whose
        feed is gone is left out."""
        counted = []
        for search in searches:
            try:
                view = self.saved_view(search)
            except UsageError:
                continue
            with self.reading() as store:
                unread = store.count(replace(view.filter, unread_only=True))
                total = store.count(view.filter)
            counted.append((search, view, unread, total))
        return counted

    # -- views --------------------------------------------------------------------------
    def rows(
        self, view: View, offset: int, limit: int, after: tuple[float, int] | None = None
    ) -> list[ArticleRow]:
        """Rows of a stored view by position (from the cursor ``after`` when scrolling)."""
        from newsreader.library.views import view_rows

        with self.reading() as store:
            return view_rows(store, view, offset, limit, after)

    def count(self, view: View) -> int:
        with self.reading() as store:
            return store.count(view.filter)

    def next_unread(
        self, view: View, after: tuple[float, int], forward: bool
    ) -> tuple[int, ArticleRow] | None:
        """The next (older) or previous (newer) unread row of a stored view from the list
        position ``after`` (``(sort_key, id)``), with its position in the view."""
        with self.reading() as store:
            return store.next_unread(after[0], after[1], forward=forward, view=view.filter)

    def search(self, query: str, limit: int = 50) -> tuple[list[ArticleRow], int]:
        """The rows matching ``query``, best first, and how many articles are not indexed yet."""
        with self.reading() as store:
            return store.search(query, limit), store.pending_index_count()

    # -- reading ------------------------------------------------------------------------
    def article(self, article_id: int | str) -> tuple[Article, Feed | None]:
        """A stored article as stored, with its feed; an id as typed is checked here."""
        if isinstance(article_id, str):
            if not is_id(article_id):
                from newsreader.text.sanitize import clean_line

                raise UsageError(f"article ids are numbers: {clean_line(article_id)!r}")
            article_id = int(article_id)
        with self.reading() as store:
            article = store.article(article_id)
            if article is None:
                raise UsageError(f"no article with id {article_id}")
            return article, store.feed_by_id(article.feed_id)

    def open_article(self, article_id: int | str) -> tuple[Article, Feed | None]:
        """The article as the reader shows it (:func:`~newsreader.library.reading.
        complete_article`: its body's captions and links), with its feed."""
        from newsreader.library.reading import complete_article

        article, feed = self.article(article_id)
        return complete_article(article), feed

    def related(self, article: Article, limit: int = 10) -> list[RelatedArticle]:
        from newsreader.related.rank import related_articles

        with self.reading() as store:
            return related_articles(store, article, limit)

    def waits_for_related_index(self, article_id: int) -> bool:
        """Whether the article is not in the related index yet (stored by a refresh that was
        stopped, or a store whose index is being built again): its related articles, and its
        own place in others', come with the next indexing."""
        with self.reading() as store:
            return store.related_fingerprint(article_id) is None

    def bookmark_snapshot(
        self, article_id: int | str, tags: Sequence[str] = (), note: str = ""
    ) -> Bookmark:
        """What a bookmark keeps of an article: the completed article, as both front ends
        save it, so a bookmark opens the same whoever made it."""
        from newsreader.bookmarks import snapshot

        article, feed = self.open_article(article_id)
        return snapshot(article, feed.display_title if feed else "", list(tags), note)

    def bookmarked_rows(self, urls: Sequence[str]) -> dict[str, ArticleRow]:
        """The stored rows of bookmarked URLs (a bookmark points at its article by URL)."""
        with self.reading() as store:
            ids = store.ids_by_url(urls)
            rows = {url: store.article_row(article_id) for url, article_id in ids.items()}
        return {url: row for url, row in rows.items() if row is not None}

    # -- read state ---------------------------------------------------------------------
    def set_read(self, article_ids: Sequence[int], read: bool = True) -> tuple[int, int]:
        """Mark articles read or unread: (how many changed, the unread count after)."""
        with self.store() as store:
            return store.set_read(article_ids, read), store.count(UNREAD)

    def mark_view_read(self, view: View) -> tuple[list[int], int]:
        """Mark what a view shows read (a search's or the bookmarks' rows, a tag's feeds, a
        feed, everything): the ids it marked, to undo it, and the unread count after."""
        with self.store() as store:
            if view.rows is not None:
                ids = [row.id for row in view.rows if not row.read and row.id > 0]
                store.set_read(ids, True)
            else:
                ids = store.mark_read_returning(view.filter)
            return ids, store.count(UNREAD)

    # -- sync ---------------------------------------------------------------------------
    def sync(
        self, settings: SyncSettings, bookmarks: BookmarkFile | None = None, *, full: bool = False
    ) -> SyncReport:
        """Send what waits for the server, take what changed there (see ``sync.engine``)."""
        from newsreader.sync.engine import sync

        return sync(self, settings, bookmarks, full=full)

    def queue_star(self, url: str, starred: bool) -> int:
        """A bookmark added or removed here: the article(s) of its link starred or unstarred
        on the server at the next sync (in a store that follows one). How many were queued."""
        with self.store() as store:
            if not store.follows_account():
                return 0
            ids = list(store.ids_by_url([url]).values())
            with store.write():
                return store.queue_marks("star" if starred else "unstar", ids)

    def server_feed_urls(self) -> set[str]:
        """The feeds the sync server owns (their articles come from it, not from a refresh)."""
        with self.reading() as store:
            return store.server_feed_urls()

    def queued_actions(self) -> int:
        """Actions waiting for the sync server."""
        with self.reading() as store:
            return store.queued_count()

    # -- full text --------------------------------------------------------------------
    # -- rules ---------------------------------------------------------------------------
    def apply_rules(self, ruleset: RuleSet) -> RulesApplied:
        """The rules applied to what is stored: blocked articles out of the store and both
        indexes, the rest marked read or tagged as the rules say."""
        from newsreader.library.ruling import apply_rules

        with self.store() as store:
            return apply_rules(store, ruleset)

    def try_rules(
        self, ruleset: RuleSet, feed: str | None = None
    ) -> list[tuple[int, str, str, Verdict]]:
        """(id, feed's title, article's title, verdict) of each stored article the rules
        would block or change (of one feed: its URL, id or title); nothing is changed."""
        from newsreader.library.ruling import try_rules

        with self.reading() as store:
            feeds = {f.id: f for f in store.feeds()}
            only = [store.find_feed(feed).id] if feed else None
            return [
                (i, feeds[f].display_title if f in feeds else "", title, verdict)
                for i, f, title, verdict in try_rules(store, ruleset, only)
            ]

    def full_text(self, article_id: int, *, fetch: bool = True) -> StoredFullText | None:
        """The article's text extracted from its page: as stored, else (``fetch``) fetched with
        the refresh's settings, extracted, stored and indexed. :class:`NoArticleText` says why
        there is none (no link, the page failed, no article in it)."""
        from newsreader.library.config import full_text_mode, load
        from newsreader.library.fulltext import fetch_article
        from newsreader.library.refresh import options_from_config
        from newsreader.models import NoArticleText

        with self.reading() as store:
            stored = store.full_text(article_id)
            if (stored is not None and not stored.error) or not fetch:
                return stored  # a failure on record is tried again when asked
            article = store.article(article_id)
            feed = store.feed_by_id(article.feed_id) if article else None
        if article is None:
            raise UsageError(f"no article with id {article_id}")
        config = load(self.locations.config_file)
        if feed and full_text_mode(config.feeds.get(feed.url), config.full_text) == "never":
            raise NoArticleText('full text is off for this feed (full_text = "never")')
        settings = options_from_config(config).fetch
        found = fetch_article(article.url, settings)
        with self.store() as store:
            store.store_full_text(article_id, found.url, found.html, found.text)
            return store.full_text(article_id)

    def change_marker(self) -> tuple[int, float, int]:
        """What tells that another process changed the store (see ``Store.change_marker``)."""
        with self.reading() as store:
            return store.change_marker()
