"""One sync: the queue sent, then the server's feeds, new articles and state taken.

Order and rules:
1. Actions queued here go first, collapsed (the last read/unread and the last star/unstar of
   each article, by the time they were made here), in as few requests as the protocol allows;
   each is taken off the queue only once the server has it. An article whose state the server
   changed since the last sync while an action here waited is a conflict: the servers keep no
   time of a mark, so the action made here — the newest one this machine knows of — is sent,
   and the conflict is said in the log.
2. The server is the source of subscriptions: its feeds are added here, feeds gone from it are
   removed here (a store's first sync subscribes the server to the web feeds it had before).
3. New articles are stored like a refresh's, with the server's ids beside ours; the server's
   read state is taken for every article with no action waiting; stars become bookmarks and
   bookmarks stars.
A failure stops the sync with one line; what was done stays done, what was not stays queued.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsreader.models import Article, NewsreaderError, ParsedFeed, ServerUnreachable, SyncError
from newsreader.store.syncstate import QueuedAction, SyncedArticle
from newsreader.sync.remote import Pull, RemoteFeed, RemoteItem, Sent, SyncClient
from newsreader.sync.settings import SyncSettings, password
from newsreader.text.sanitize import clean_line, clean_text, is_web_url

if TYPE_CHECKING:
    from newsreader.bookmarks.file import BookmarkFile
    from newsreader.library import Library
    from newsreader.store import Store

MAX_BODY = 2 * 1024 * 1024  # characters of an article's body kept, as for a feed's
OPPOSITE = {"read": "unread", "unread": "read", "star": "unstar", "unstar": "star"}


@dataclass(slots=True)
class SyncReport:
    sent: int = 0  # actions the server took
    new_articles: int = 0
    read_changed: int = 0  # articles whose read state here became the server's
    bookmarked: int = 0  # stars from the server made bookmarks here
    unbookmarked: int = 0
    feeds_added: int = 0
    feeds_removed: int = 0
    queued: int = 0  # actions still waiting
    requests: int = 0
    sending_requests: int = 0  # of them, those that sent the queue
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)  # conflicts and actions the server refused
    error: str = ""  # why the sync stopped ("" when it finished)

    @property
    def unreachable(self) -> bool:
        return self.error.startswith("sync: cannot reach") or "did not answer" in self.error


def make_client(settings: SyncSettings, secret: str, memory: dict[str, str]) -> SyncClient:
    if settings.service == "ttrss":
        from newsreader.sync.ttrss import TtrssClient

        return TtrssClient(settings, secret, memory)
    if settings.service == "greader":
        from newsreader.sync.greader import GReaderClient

        return GReaderClient(settings, secret, memory)
    from newsreader.sync.fever import FeverClient

    return FeverClient(settings, secret, memory)


def sync(
    library: Library,
    settings: SyncSettings,
    bookmarks: BookmarkFile | None = None,
    *,
    full: bool = False,
    secret: Callable[[SyncSettings], str] = password,
) -> SyncReport:
    """Sync the library's store with the server; the report says what happened (its
    ``error`` the one line when the sync stopped: nothing done is undone, nothing queued is
    lost)."""
    started = time.monotonic()
    report = SyncReport()
    with library.store() as store:
        first = store.start_following(settings.account)
        memory = store.sync_memory()
        client: SyncClient | None = None
        try:
            client = make_client(settings, secret(settings), memory)
            own = Sent()
            sent = _send_queue(store, client, report, own)
            report.sending_requests = client.requests
            pull = client.pull(memory, full, own)
            feeds = _take_feeds(store, client, pull, report, first)
            _take_items(store, pull.items, feeds, report)
            _take_state(library, store, client, pull, bookmarks, report, first, sent)
            store.set_sync_values(**pull.memory, last_sync=str(time.time()))
        except SyncError as exc:
            report.error = str(exc)
        except NewsreaderError as exc:  # the store or the bookmarks file: said the same way
            report.error = str(exc)
        except Exception as exc:  # a server's answer a client did not foresee: one line too
            detail = clean_line(str(exc))[:120]
            report.error = f"sync: internal error: {type(exc).__name__}: {detail}"
        finally:
            if client is not None:
                report.requests = client.requests
                store.set_sync_values(**client.memory)  # a session opened is kept
                client.close()
        report.queued = store.queued_count()
        if report.new_articles:
            store.index_pending()
    report.seconds = time.monotonic() - started
    return report


# -- 1. the queue ------------------------------------------------------------------------


def _kind(action: str) -> str:
    return "read" if action in ("read", "unread") else "star" if action in OPPOSITE else action


def _send_queue(store: Store, client: SyncClient, report: SyncReport, own: Sent) -> dict[str, str]:
    """Send what waits, the latest action per article and kind; each group leaves the queue
    once the server has it (and ``own`` learns what it changed there). The marks sent:
    remote id + kind -> mark."""
    queued = store.queued()
    last: dict[tuple[str, str], QueuedAction] = {}  # (kind, target) -> the latest action
    for action in queued:
        last[(_kind(action.action), action.target)] = action  # in the order they were made
    by_mark: dict[str, list[str]] = {}
    for (kind, target), action in last.items():
        if kind in ("read", "star"):
            by_mark.setdefault(action.action, []).append(target)
    sent: dict[str, str] = {}
    known = {a.remote_id: a for a in store.synced_articles()} if by_mark else {}
    remote_feed = {local: remote for remote, local in store.synced_feeds().items()}
    for mark, targets in by_mark.items():
        client.mark(mark, targets)
        _count_own(mark, [known[t] for t in targets if t in known], remote_feed, own)
        _server_took(store, mark, targets)
        done = {(_kind(mark), t) for t in targets}
        store.dequeue(a.id for a in queued if (_kind(a.action), a.target) in done)
        sent |= {f"{_kind(mark)} {t}": mark for t in targets}
        report.sent += len(targets)
    for action in queued:
        if action.action in ("subscribe", "unsubscribe"):
            _send_feed_action(store, client, action, report)
            store.dequeue([action.id])
    return sent


def _count_own(
    mark: str, articles: list[SyncedArticle], remote_feed: dict[int, str], own: Sent
) -> None:
    """What a group of marks changed on the server, from the state it had at the last sync."""
    for article in articles:
        feed = remote_feed.get(article.feed_id, "")
        if mark == "read":
            own.read.add(article.remote_id)
        if mark in ("read", "unread") and article.server_read != (mark == "read"):
            own.unread_delta[feed] = own.unread_delta.get(feed, 0) + (-1 if mark == "read" else 1)
        if mark in ("star", "unstar") and article.server_starred != (mark == "star"):
            own.starred_delta[feed] = own.starred_delta.get(feed, 0) + (1 if mark == "star" else -1)


def _server_took(store: Store, mark: str, targets: Sequence[str]) -> None:
    """What the server now has for these items (their base for the next comparison)."""
    ids = store.articles_of_remote(targets)
    state = [(i, mark in ("read", "star")) for i in ids.values()]
    if mark in ("read", "unread"):
        store.take_server_state(state, [], [])
    else:
        store.take_server_state([], state, [])


def _send_feed_action(
    store: Store, client: SyncClient, action: QueuedAction, report: SyncReport
) -> None:
    """Subscribe or unsubscribe; one the server refuses is said and dropped (sending it
    again would not change the answer), one it did not hear stays queued."""
    try:
        if action.action == "subscribe":
            remote_id = client.subscribe(action.target)
            feed = store.feed_by_url(action.target)
            if feed is not None and remote_id:
                store.link_feed(feed.id, remote_id)
        else:
            client.unsubscribe(action.target)
        report.sent += 1
    except ServerUnreachable:
        raise
    except SyncError as exc:
        report.log.append(str(exc))


# -- 2. feeds ----------------------------------------------------------------------------


def _take_feeds(
    store: Store, client: SyncClient, pull: Pull, report: SyncReport, first: bool
) -> dict[str, int]:
    """remote feed id -> local feed id, after the server's list is taken when it may have
    changed (a first sync, the protocol says so, or an article of an unknown feed)."""
    linked = store.synced_feeds()
    unknown = any(item.feed_id not in linked for item in pull.items)
    if not (first or pull.feeds_changed or unknown):
        return linked
    remote = client.feeds()
    waiting = {a.target for a in store.queued() if a.action == "subscribe"}
    on_server = {f.url for f in remote}
    for feed in remote:
        _take_feed(store, feed, linked, report)
    for remote_id, feed_id in list(linked.items()):
        if remote_id not in {f.id for f in remote}:
            local = store.feed_by_id(feed_id)
            if local is not None and local.url not in waiting:
                store.remove_feed(str(feed_id))
                report.feeds_removed += 1
            del linked[remote_id]
    if first:
        for local in store.feeds():
            if local.id in linked.values() or not is_web_url(local.url):
                continue
            if local.url in on_server:
                continue
            if not client.can_subscribe:
                report.log.append(
                    f"{local.display_title}: kept here only (the server cannot be asked to"
                    " subscribe)"
                )
                continue
            remote_id = client.subscribe(local.url)
            if remote_id:
                store.link_feed(local.id, remote_id)
                linked[remote_id] = local.id
    return linked


def _take_feed(store: Store, feed: RemoteFeed, linked: dict[str, int], report: SyncReport) -> None:
    feed_id = linked.get(feed.id)
    if feed_id is None:
        local = store.feed_by_url(feed.url) if feed.url else None
        if local is None:
            local = store.add_feed(feed.url or f"sync:{feed.id}", "", feed.tags)
            report.feeds_added += 1
        feed_id = local.id
        store.link_feed(feed_id, feed.id)
        linked[feed.id] = feed_id
    store.set_feed_details(feed_id, feed.title, feed.site_url, feed.tags)


# -- 3. articles and state ---------------------------------------------------------------


def _article(item: RemoteItem) -> Article:
    return Article(
        guid=f"sync:{item.id}",
        url=item.url,
        title=item.title,
        authors=(item.author,) if item.author else (),
        published=item.published,
        body=clean_text(item.html[:MAX_BODY]),
        body_format="html",
    )


def _take_items(
    store: Store, items: list[RemoteItem], feeds: dict[str, int], report: SyncReport
) -> None:
    known = store.articles_of_remote(i.id for i in items)
    by_feed: dict[int, list[RemoteItem]] = {}
    for item in items:
        if item.id not in known and item.feed_id in feeds:
            by_feed.setdefault(feeds[item.feed_id], []).append(item)
    for feed_id, fresh in by_feed.items():
        feed = store.feed_by_id(feed_id)
        own = store.unlinked_by_url(feed_id, (i.url for i in fresh))
        # a new article's star is taken with the server's state (it becomes a bookmark there)
        linked = [(own[i.url], i.id, i.read, False) for i in fresh if i.url in own]
        stored = [i for i in fresh if i.url not in own]
        result = store.store_feed(
            feed_id,
            ParsedFeed(title=feed.title if feed else "", articles=tuple(map(_article, stored))),
            index=False,
        )
        ids = dict((guid, article_id) for article_id, guid in result.changed)
        linked += [
            (ids[f"sync:{i.id}"], i.id, i.read, False) for i in stored if f"sync:{i.id}" in ids
        ]
        store.link_articles(linked)
        report.new_articles += result.new


def _take_state(
    library: Library,
    store: Store,
    client: SyncClient,
    pull: Pull,
    bookmarks: BookmarkFile | None,
    report: SyncReport,
    first: bool,
    sent: dict[str, str],
) -> None:
    """The server's read and starred state taken for every article with no action waiting;
    an article marked here and changed on the server after that (this sync's own request
    came first) keeps the server's state, which is the later one, and the log says so."""
    if pull.unread is None and pull.starred is None and not first:
        return  # the server said nothing changed: no article to look at
    waiting = store.queued()
    waiting_read = {a.target for a in waiting if a.action in ("read", "unread")}
    waiting_star = {a.target for a in waiting if a.action in ("star", "unstar")}
    read: list[tuple[int, bool]] = []
    apply: list[tuple[int, bool]] = []
    starred: list[tuple[int, bool]] = []
    star_here: list[tuple[int, str, bool]] = []
    scope = None
    if pull.unread_feeds is not None:
        linked = store.synced_feeds()
        scope = [linked[f] for f in pull.unread_feeds if f in linked]
    # only the feeds the server named, when it named some
    articles = store.synced_articles(scope if pull.starred is None else None)
    in_scope = None if scope is None else set(scope)
    for article in articles:
        if pull.unread is not None and (in_scope is None or article.feed_id in in_scope):
            server_read = article.remote_id not in pull.unread
            if server_read != article.server_read:
                read.append((article.article_id, server_read))
                _later(sent.get(f"read {article.remote_id}"), server_read, article, report)
            if article.read != server_read and article.remote_id not in waiting_read:
                apply.append((article.article_id, server_read))
        if pull.starred is not None:
            server_star = article.remote_id in pull.starred
            if server_star != article.server_starred:
                starred.append((article.article_id, server_star))
                _later(sent.get(f"star {article.remote_id}"), server_star, article, report)
                if article.remote_id not in waiting_star:
                    star_here.append((article.article_id, article.url, server_star))
    store.take_server_state(read, starred, apply)
    report.read_changed += len(apply)
    if bookmarks is not None:
        _bookmarks_follow_stars(library, bookmarks, star_here, report)
        if first:
            _stars_follow_bookmarks(store, client, bookmarks, pull, report)


def _later(mark: str | None, state: bool, article: SyncedArticle, report: SyncReport) -> None:
    if mark is not None:
        report.log.append(
            f"article {article.article_id}: {mark} was sent, and the server had it"
            f" {OPPOSITE[mark] if state != (mark in ('read', 'star')) else mark} after that:"
            " the server's state, the later one, is kept"
        )


def _bookmarks_follow_stars(
    library: Library,
    bookmarks: BookmarkFile,
    changes: list[tuple[int, str, bool]],
    report: SyncReport,
) -> None:
    """Starred on the server: a bookmark here (a snapshot of the article); unstarred: the
    bookmark of its link removed."""
    if not changes:
        return
    have = {b.url for b in bookmarks.load().bookmarks}
    for article_id, url, star in changes:
        if not url:
            continue
        if star and url not in have:
            bookmarks.add(library.bookmark_snapshot(article_id))
            have.add(url)
            report.bookmarked += 1
        elif not star and url in have:
            bookmarks.remove(url)
            have.discard(url)
            report.unbookmarked += 1


def _stars_follow_bookmarks(
    store: Store,
    client: SyncClient,
    bookmarks: BookmarkFile,
    pull: Pull,
    report: SyncReport,
) -> None:
    """A store's first sync: its bookmarks of the server's articles become stars there."""
    urls = {b.url for b in bookmarks.load().bookmarks}
    wanted = [
        a
        for a in store.synced_articles()
        if a.url in urls and pull.starred is not None and a.remote_id not in pull.starred
    ]
    if wanted:
        client.mark("star", [a.remote_id for a in wanted])
        store.take_server_state([], [(a.article_id, True) for a in wanted], [])
        report.sent += len(wanted)


def describe(report: SyncReport, settings: SyncSettings) -> str:
    """The one line a sync ends with."""
    if report.error:
        queued = f"; {report.queued} action(s) wait for the server" if report.queued else ""
        return f"{report.error}{queued}"
    parts = [
        f"{report.new_articles} new article(s)",
        f"{report.sent} action(s) sent",
        f"{report.read_changed} read state(s) taken",
    ]
    if report.bookmarked or report.unbookmarked:
        parts.append(f"{report.bookmarked} bookmarked, {report.unbookmarked} unbookmarked")
    if report.feeds_added or report.feeds_removed:
        parts.append(f"{report.feeds_added} feed(s) added, {report.feeds_removed} removed")
    return (
        f"synced with {settings.shown}: " + ", ".join(parts)
        + f" ({report.requests} request(s), {report.seconds:.1f} s)"
    )  # fmt: skip
