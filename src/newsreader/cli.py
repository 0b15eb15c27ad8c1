"""The command line. With no command it opens the TUI; every command works without it.

A user error prints one line to stderr and exits 1 (2 for usage errors), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from newsreader import __version__
from newsreader.library.paths import Locations, resolve
from newsreader.models import Article, ArticleRow, Feed, NewsreaderError, UsageError, is_id
from newsreader.text.phrases import counted

if TYPE_CHECKING:
    from newsreader.store import Store


_T = TypeVar("_T")


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _row_json(row: ArticleRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "title": row.title,
        "feed": row.feed_title,
        "published": _iso(row.published),
        "read": row.read,
    }


def _feed_json(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.shown_url,
        "title": feed.display_title,
        "tags": list(feed.tags),
        "articles": feed.article_count,
        "unread": feed.unread_count,
        "last_fetched": _iso(feed.last_fetched),
        "last_error": feed.last_error,
    }


def article_json(article: Article, feed_title: str) -> dict[str, Any]:
    return {
        "id": article.id,
        "feed": feed_title,
        "feed_id": article.feed_id,
        "guid": article.guid,
        "url": article.url,
        "title": article.title,
        "authors": list(article.authors),
        "published": _iso(article.published),
        "updated": _iso(article.updated),
        "summary": article.summary,
        "body": article.body,
        "body_format": article.body_format,
        "text": article.text,
        "captions": [asdict(c) for c in article.captions],
        "sources": [asdict(s) for s in article.sources],
        "related": [asdict(r) for r in article.related_links],
        "categories": list(article.categories),
        "enclosures": [
            {"url": e.url, "type": e.type, "length": e.length} for e in article.enclosures
        ],
        "read": article.read,
    }


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _print_rows(rows: Sequence[ArticleRow]) -> None:
    width = shutil.get_terminal_size((100, 24)).columns
    for row in rows:
        marker = " " if row.read else "N"
        date = (
            time.strftime("%Y-%m-%d", time.gmtime(row.published)) if row.published else "----------"
        )
        line = f"{row.id:>7} {marker} {date}  {row.feed_title[:18]:<18}  {row.title}"
        print(line[: max(width, 40)])


def _open_store(locations: Locations, *, write: bool = True) -> Store:
    """The store; for a command that only reads (``write=False``), a read-only one where the
    store cannot be written (a read-only disk or folder)."""
    from newsreader.store import Store

    _upgrade_store(locations)
    return Store(locations.database) if write else Store.for_reading(locations.database)


def _upgrade_store(locations: Locations) -> None:
    """A store written by an older newsreader is upgraded once, here, before anything else
    opens it, and says so: a large one takes a while (14 s for 100,000 articles), and other
    connections would wait on it without a word."""
    from newsreader.store import SCHEMA_VERSION, Store, schema_version

    version = schema_version(locations.database)
    if not 0 < version < SCHEMA_VERSION:
        return
    print(
        f"newsreader: upgrading the article store {locations.database} to a new format, once"
        " (a large store takes a minute) ...",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    with Store(locations.database):
        pass
    print(f"newsreader: store upgraded in {time.monotonic() - started:.0f} s", file=sys.stderr)


# -- commands ---------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.sources.kind import normalise_source
    from newsreader.text.sanitize import clean_line, is_web_url

    url = normalise_source(args.source)
    tags = [tag for tag in (clean_line(t) for t in args.tag or ()) if tag]
    note = "; run 'newsreader refresh' to read it"
    if is_web_url(url) and not args.no_check:
        url, note = _checked_feed_url(url, loc)
    with _open_store(loc) as store:
        feed = store.add_feed(url, clean_line(args.title), tags)
    print(f"added {feed.shown_url} (id {feed.id}){note}")
    return 0


def _checked_feed_url(url: str, loc: Locations) -> tuple[str, str]:
    """What to subscribe to, and what to say of it: the feed itself, or the one its page names;
    a server that cannot be reached now is subscribed to and checked at the next refresh."""
    import asyncio

    from newsreader.feeds.probe import probe
    from newsreader.library.config import load
    from newsreader.library.refresh import options_from_config
    from newsreader.models import FeedError
    from newsreader.text.sanitize import redact_credentials

    settings = options_from_config(load(loc.config_file)).fetch
    found = asyncio.run(probe(url, settings))
    if found.ok:
        named = (
            f" (the feed the page {redact_credentials(url)} names)" if found.feed_url != url else ""
        )
        what = f"{found.title or 'untitled'}, {counted(found.articles, 'article')}"
        return found.feed_url, f"{named}: {what}; run 'newsreader refresh' to read it"
    if not found.checked:
        return url, f", not checked now ({found.problem}): the next refresh tries it"
    raise FeedError(
        f"not added: {redact_credentials(url)} is not a feed ({found.problem});"
        " --no-check subscribes to it anyway"
    )


def cmd_remove(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.sources.kind import normalise_source
    from newsreader.text.sanitize import redact_credentials

    if args.all_from:
        return _remove_all_from(args.all_from, loc)
    if not args.source:
        raise UsageError("remove needs a SOURCE, or --all-from FILE")
    with _open_store(loc) as store:
        try:
            feed = store.remove_feed(args.source)
        except UsageError:
            try:
                feed = store.remove_feed(normalise_source(args.source))
            except UsageError:
                raise UsageError(f"no such feed: {redact_credentials(args.source)}") from None
    print(f"removed {feed.shown_url} and its {counted(feed.article_count, 'article')}")
    return 0


def _remove_all_from(name: str, loc: Locations) -> int:
    """Undo an import: every feed the OPML or urls file lists (and only those) goes."""
    listed = _subscription_list(name).subscriptions
    removed = absent = articles = 0
    with _open_store(loc) as store:
        for sub in listed:
            feed = store.feed_by_url(sub.url)
            if feed is None:
                absent += 1
                continue
            store.remove_feed(str(feed.id))
            removed += 1
            articles += feed.article_count
    print(
        f"removed {counted(removed, 'feed')} and their {counted(articles, 'article')}"
        f" ({absent} not subscribed)"
    )
    return 0


def cmd_feeds(args: argparse.Namespace, loc: Locations) -> int:
    with _open_store(loc, write=False) as store:
        feeds = store.feeds()
    if args.json:
        _print_json([_feed_json(f) for f in feeds])
        return 0
    if not feeds:
        print("no feeds yet: 'newsreader add URL|FILE|FOLDER' or 'newsreader import FILE'")
    from newsreader.text.phrases import feed_problem

    for feed in feeds:
        status = f"error: {feed_problem(feed)}" if feed.last_error else "ok"
        tags = f" [{', '.join(feed.tags)}]" if feed.tags else ""
        counts = f"{feed.unread_count:>5}/{feed.article_count:<5}"
        print(f"{feed.id:>4}  {counts} {feed.display_title}{tags}")
        print(f"      {feed.shown_url}  ({status})")
    return 0


def silence_closed_outputs() -> None:
    """Point stdout and stderr, where their reader has gone, at /dev/null: nothing written
    later (the summary, the interpreter's last flush) fails for it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


class _Progress:
    """A rich progress bar on a terminal; one plain line per feed when piped (cron, logs)."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.quiet = quiet
        self.started_at = self.stored_at = self.searchable_at = time.monotonic()
        self.bar: Any = None
        self.new = self.errors = 0
        if not quiet and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[new]} new, {task.fields[errors]} failed"),
                transient=True, console=None,
            )  # fmt: skip
            self.task = self.bar.add_task("refreshing", total=total, new=0, errors=0)
            self.bar.start()

    def __call__(self, outcome: Any) -> None:
        self.new += outcome.new
        self.errors += 1 if outcome.error else 0
        if self.bar is not None:
            self.bar.update(self.task, advance=1, new=self.new, errors=self.errors)
            lines = [f"FAIL {outcome.name}: {outcome.error}"] if outcome.error else []
            lines += [f"skip {outcome.name}: {outcome.skipped}"] if outcome.skipped else []
            lines += [f"     warning: {w}" for w in outcome.warnings[:20]]
            for line in lines:
                self.bar.console.print(line, markup=False, emoji=False, highlight=False)
            return
        if self.quiet:
            return
        try:
            if outcome.error:
                print(f"FAIL {outcome.name}: {outcome.error}", file=sys.stderr)
            elif outcome.skipped:
                print(f"skip {outcome.name}: {outcome.skipped}")
            elif outcome.unchanged:
                print(f"  ok {outcome.name}: unchanged")
            else:
                print(f"  ok {outcome.name}: {outcome.new} new, {outcome.updated} updated")
            for warning in outcome.warnings[:20]:
                print(f"     warning: {warning}", file=sys.stderr)
        except BrokenPipeError:
            # the reader of the output went (refresh | head): the refresh goes on, quietly
            self.quiet = True
            silence_closed_outputs()

    def indexing(self) -> None:
        self.stored_at = self.searchable_at = time.monotonic()
        if self.bar is not None:
            self.bar.update(self.task, description="indexing for search")

    def searchable(self) -> None:
        self.searchable_at = time.monotonic()
        if self.bar is not None:
            self.bar.update(self.task, description="indexing related articles")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def cmd_refresh(args: argparse.Namespace, loc: Locations) -> int:
    import asyncio

    from newsreader.feeds.fetch import warm_up
    from newsreader.library.config import load

    warming = warm_up()
    try:
        config = load(loc.config_file)
        from newsreader.library.refresh import options_from_config, refresh_feeds

        with _open_store(loc) as store:
            feeds = [store.find_feed(args.feed)] if args.feed else store.feeds()
        if not feeds:
            raise UsageError("no feeds to refresh: add one with 'newsreader add'")
        options = options_from_config(
            config,
            jobs=args.jobs,
            force=args.force,
            honour_schedule=not args.feed,  # a manual refresh of one feed always fetches
        )
        progress = _Progress(len(feeds), quiet=args.json)
        try:
            outcomes = asyncio.run(
                refresh_feeds(
                    loc.database,
                    feeds,
                    options,
                    progress,
                    indexing=progress.indexing,
                    searchable=progress.searchable,
                )
            )
        finally:
            progress.close()
    finally:
        warming.join()  # never left halfway through an import at exit, whatever failed
    finished_at = time.monotonic()
    failed = [o for o in outcomes if o.error]
    if args.json:
        _print_json(
            [
                {
                    "url": o.feed.shown_url,
                    "title": o.name,
                    "new": o.new,
                    "updated": o.updated,
                    "unchanged": o.unchanged,
                    "skipped": o.skipped or None,
                    "error": o.error,
                    "warnings": list(o.warnings),
                }
                for o in outcomes
            ]
        )
    else:
        new = sum(o.new for o in outcomes)
        skipped = sum(1 for o in outcomes if o.skipped)
        # which, and why, is on each one's skip line; --feed fetches one now
        tail = f", {skipped} skipped (not due yet: refresh --feed F fetches one)" if skipped else ""
        stored = progress.stored_at - progress.started_at
        search = progress.searchable_at - progress.stored_at
        related = finished_at - progress.searchable_at
        print(
            f"{counted(len(outcomes), 'feed')}, {counted(new, 'new article')}, {len(failed)}"
            f" failed{tail} (stored in"
            f" {stored:.1f} s, search index {search:.1f} s, related index {related:.1f} s)"
        )
    return 1 if failed else 0


def cmd_index(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.store.indexjob import BATCH, index_pending

    with _open_store(loc) as store:
        pending = store.pending_index_count()
    # the words of each body are extracted on every core when there is more than a batch
    workers = (os.cpu_count() or 1) if pending > BATCH else 1
    count = index_pending(loc.database, workers) if pending else 0
    with _open_store(loc) as store:
        pending = store.pending_index_count()
    if not args.quiet:
        print(
            f"indexed {counted(count, 'article')}"
            + (f", {pending:,} still pending" if pending else "")
        )
    return 0


def _read_user_file(name: str, limit: int) -> bytes:
    """A file named on the command line: a regular file, at most ``limit`` bytes."""
    from newsreader.sources.safefiles import read_regular_file

    return _user_file(name, lambda: read_regular_file(name, limit))


def _user_file(name: str, read: Callable[[], _T]) -> _T:
    """``read()`` of a file named on the command line; what stops it is a usage error."""
    from newsreader.sources.safefiles import FileRefused
    from newsreader.text.sanitize import clean_line

    try:
        return read()
    except FileRefused as exc:
        raise UsageError(f"cannot read {clean_line(name)}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {clean_line(name)}: {exc.strerror or exc}") from None


def _subscription_list(name: str) -> Any:
    """An OPML or urls file named on the command line (opml.ImportResult)."""
    from newsreader.library.opml import read_subscription_file

    return _user_file(name, lambda: read_subscription_file(Path(name)))


def cmd_import(args: argparse.Namespace, loc: Locations) -> int:
    result = _subscription_list(args.file)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    added = skipped = 0
    with _open_store(loc) as store:
        for sub in result.subscriptions:
            try:
                store.add_feed(sub.url, sub.title, sub.tags)
                added += 1
            except UsageError:
                skipped += 1
    print(f"imported {counted(added, 'feed')} ({skipped} already subscribed)")
    return 0


def cmd_export(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.library.opml import write_opml

    with _open_store(loc, write=False) as store:
        sys.stdout.write(write_opml(store.feeds()))
    return 0


def cmd_articles(args: argparse.Namespace, loc: Locations) -> int:
    with _open_store(loc, write=False) as store:
        feed_id = store.find_feed(args.feed).id if args.feed else None
        if args.count:
            print(store.count(feed_id=feed_id, unread_only=args.unread))
            return 0
        rows: list[ArticleRow] = []
        cursor = None
        while len(rows) < args.limit:
            page = store.page(
                after=cursor, limit=min(500, args.limit - len(rows)), feed_id=feed_id,
                unread_only=args.unread,
            )  # fmt: skip
            rows.extend(page.rows)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    if args.json:
        _print_json([_row_json(r) for r in rows])
    else:
        _print_rows(rows)
    return 0


def cmd_search(args: argparse.Namespace, loc: Locations) -> int:
    with _open_store(loc, write=False) as store:
        rows = store.search(args.query, args.limit)
        pending = store.pending_index_count()
    if pending:
        print(f"note: {pending} articles are not indexed yet", file=sys.stderr)
    if args.json:
        _print_json([_row_json(r) for r in rows])
    else:
        _print_rows(rows)
        if not rows:
            print("no matches", file=sys.stderr)
    return 0


def _article(store: Any, article_id: str) -> Article:
    if not is_id(article_id):
        from newsreader.text.sanitize import clean_line

        raise UsageError(f"article ids are numbers: {clean_line(article_id)!r}")
    article = store.article(int(article_id))
    if article is None:
        raise UsageError(f"no article with id {article_id}")
    return article


def cmd_show(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.library.reading import as_text, build_view, complete_article

    with _open_store(loc, write=False) as store:
        article = _article(store, args.id)
        feed = store.feed_by_id(article.feed_id)
    feed_title = feed.display_title if feed else ""
    if args.json:
        _print_json(article_json(complete_article(article), feed_title))
    else:
        width = min(shutil.get_terminal_size((80, 24)).columns, 100)
        sys.stdout.write(as_text(build_view(article, feed_title), width))
    return 0


def cmd_related(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.related.rank import also_reported_by, related_articles

    with _open_store(loc, write=False) as store:
        for article_id in args.ids:
            article = _article(store, article_id)
            found = related_articles(store, article, args.limit)
            if args.json:
                payload = {
                    "id": article.id,
                    "related": [
                        {
                            **_row_json(r.row),
                            "score": r.score,
                            "reason": r.reason,
                            "same_story": r.same_story,
                            "also_in": [{"id": c.id, "feed": c.feed_title} for c in r.copies],
                        }
                        for r in found
                    ],
                }
                print(json.dumps(payload, ensure_ascii=False), flush=True)
                continue
            print(f"{article.id}: {article.title}")
            for item in found:
                also = f"  also in {', '.join(item.also_in)}" if item.also_in else ""
                print(
                    f"  {item.row.id:>7}  {item.score:6.3f}  {item.row.title}"
                    f"  [{item.row.feed_title}] ({item.reason}){also}"
                )
            feed = store.feed_by_id(article.feed_id)
            reporters = also_reported_by(found, feed.display_title if feed else "")
            if reporters:
                print(f"  Also reported by: {', '.join(reporters)}")
            if article.related_links:
                print("  From the publisher:")
            for link in article.related_links:
                label = f"{link.label}: " if link.label else ""
                print(f"  {'':>7}  {label}{link.title}  {link.url}")
    return 0


def _bookmark_file(loc: Locations) -> Any:
    from newsreader.bookmarks import BookmarkFile

    return BookmarkFile(loc.bookmarks_file, keep_in_memory=False)  # a command has no session


def _report(book: Any, problem: str = "") -> None:
    for message in [problem, *book.messages]:
        if message:
            print(f"newsreader: {message}", file=sys.stderr)


def _run_bookmark_command(loc: Locations, bookmark: Any) -> None:
    """config.toml's bookmark_command, with url, title, description and feed title as separate
    arguments: never through a shell."""
    import subprocess

    from newsreader.library.config import load

    command = load(loc.config_file).bookmark_command
    if not command:
        return
    args = [*command, bookmark.url, bookmark.title, bookmark.summary, bookmark.feed_title]
    try:
        subprocess.run(args, shell=False, check=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"newsreader: bookmark_command failed: {exc}", file=sys.stderr)


def cmd_bookmarks(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader import bookmarks as bm
    from newsreader.text.sanitize import clean_line, clean_text

    book = _bookmark_file(loc)
    action = args.action or "list"
    if action in ("add", "remove", "import") and not args.target:
        raise UsageError(f"bookmarks {action} needs a target (see 'newsreader bookmarks --help')")
    if action == "list":
        result = book.load()
        _report(book, result.problem)
        wanted = set(args.tag or ())
        items = [b for b in result.bookmarks if wanted <= set(b.tags)]
        if args.json:
            _print_json([bm.to_json(b) for b in items])
        else:
            for b in items:
                tags = f" [{', '.join(b.tags)}]" if b.tags else ""
                print(f"{b.title}{tags}\n    {b.url}")
        return 0
    if action == "add":
        with _open_store(loc, write=False) as store:
            article = _article(store, args.target)
            feed = store.feed_by_id(article.feed_id)
        from newsreader.library.reading import complete_article

        bookmark_tags = [clean_line(t) for t in args.tag or () if clean_line(t)]
        bookmark = bm.snapshot(
            complete_article(article), feed.display_title if feed else "", bookmark_tags,
            clean_text(args.note or ""),
        )  # fmt: skip
        book.add(bookmark)
        _report(book)
        _run_bookmark_command(loc, bookmark)
        print(f"bookmarked: {bookmark.title}")
        return 0
    if action == "remove":
        url = args.target
        if is_id(url):
            with _open_store(loc, write=False) as store:
                url = _article(store, url).url
        before = len(book.load().bookmarks)
        after = book.remove(url)
        _report(book)
        if len(after) == before:
            raise UsageError(f"no bookmark for {args.target}")
        print(f"removed the bookmark for {url}")
        return 0
    if action == "export":
        result = book.load()
        _report(book, result.problem)
        text = bm.export(result.bookmarks, args.format)
        if args.output:
            try:
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        else:
            sys.stdout.write(text)
        return 0
    if action == "import":
        data = _read_user_file(args.target, bm.MAX_FILE_BYTES)
        try:
            found = bm.import_file(data, args.target)
        except bm.BookmarkFileError as exc:
            raise UsageError(str(exc)) from None
        known = {b.url for b in book.load().bookmarks}
        fresh = [b for b in found if b.url not in known]
        book.update(lambda items: [*items, *fresh])
        _report(book)
        print(
            f"imported {counted(len(fresh), 'bookmark')} ({len(found) - len(fresh)} already there)"
        )
        return 0
    raise UsageError(f"unknown bookmarks action {action!r}")


def cmd_locate(args: argparse.Namespace, loc: Locations) -> int:
    print(f"config:    {loc.config_file}")
    print(f"data:      {loc.data_dir}")
    print(f"store:     {loc.database}")
    print(f"bookmarks: {loc.bookmarks_file}")
    return 0


# terminals that show no colour at all: the reader draws for them as for NO_COLOR
MONOCHROME_TERMS = frozenset({"vt100", "vt102", "vt220", "vt52", "dumb"})


def run_tui(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.library.config import load

    if os.environ.get("TERM", "") in MONOCHROME_TERMS:
        os.environ.setdefault("NO_COLOR", "1")

    config = load(loc.config_file)
    if not args.demo:
        _upgrade_store(loc)
    from newsreader.library.firstscreen import read_first_screen

    # Before Textual is imported: a thread would fight that import for the GIL at every row
    first_screen = read_first_screen(loc)
    from newsreader.ui.app import NewsreaderApp

    NewsreaderApp(loc, config, demo=args.demo, first_screen=first_screen).run()
    return 0


# -- parser -----------------------------------------------------------------------------


MAX_LIMIT = 1_000_000


def _count(low: int, high: int) -> Any:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high:,}")
        return int(text)

    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"newsreader: {message} (see 'newsreader --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="newsreader", description="A terminal news reader.")
    parser.add_argument("--version", action="version", version=f"newsreader {__version__}")
    parser.add_argument("--data-dir", help="where the store and bookmarks live")
    parser.add_argument("--config", help="config.toml to read")
    parser.add_argument("--bookmarks", help="bookmarks file to use")
    parser.add_argument("--demo", action="store_true", help="use the built-in offline demo")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("add", help="subscribe to an http(s) feed, a feed file or a folder")
    p.add_argument("source")
    p.add_argument("--title")
    p.add_argument("--tag", action="append")
    p.add_argument("--no-check", action="store_true", help="do not fetch it to check it first")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="unsubscribe (by URL, path, id or title)")
    p.add_argument("source", nargs="?")
    p.add_argument("--all-from", metavar="FILE", help="every feed an OPML or urls file lists")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("feeds", help="list subscriptions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_feeds)

    p = sub.add_parser("refresh", help="read every subscription again")
    p.add_argument("--feed", help="only this feed (URL, id or title)")
    p.add_argument("--jobs", type=_count(1, 256), help="parallel downloads (default: config, 16)")
    p.add_argument("--force", action="store_true", help="parse even an unchanged source")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("index", help="index articles stored without their search index")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("import", help="import subscriptions: OPML or a newsboat urls file")
    p.add_argument("file")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export subscriptions")
    p.add_argument("format", choices=["opml"])
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("articles", help="list articles, newest first")
    p.add_argument("--unread", action="store_true")
    p.add_argument("--feed")
    p.add_argument("--limit", type=_count(1, MAX_LIMIT), default=50)
    p.add_argument("--count", action="store_true", help="print only how many there are")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("search", help='full-text search: words as typed, "a phrase", OR, NOT, pre*')
    p.add_argument("query")
    p.add_argument("--limit", type=_count(1, MAX_LIMIT), default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", help="print an article as the reading pane shows it")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("related", help="articles related to the given ones")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--limit", type=_count(1, MAX_LIMIT), default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_related)

    p = sub.add_parser("bookmarks", help="list, add, remove, export or import bookmarks")
    p.add_argument(
        "action", nargs="?", choices=["list", "add", "remove", "export", "import"], default="list"
    )
    p.add_argument("target", nargs="?", help="article ID (add), ID or URL (remove), FILE (import)")
    p.add_argument("--tag", action="append", help="with add: tags; with list: only this tag")
    p.add_argument("--note", help="with add: a note")
    p.add_argument("--format", choices=["md", "html", "json", "netscape"], default="md")
    p.add_argument("-o", "--output", help="with export: write to this file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bookmarks)

    p = sub.add_parser("locate", help="print where config, store and bookmarks live")
    p.set_defaults(func=cmd_locate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.demo:
            from newsreader.library.demo import prepare_demo

            data_dir = str(prepare_demo())
            loc = resolve(data_dir, args.config, os.path.join(data_dir, "bookmarks.json"))
        else:
            loc = resolve(args.data_dir, args.config, args.bookmarks)
        func = getattr(args, "func", None)
        return func(args, loc) if func else run_tui(args, loc)
    except NewsreaderError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"newsreader: {line}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except OSError as exc:  # a file the command needed: one line, never a traceback
        from newsreader.text.sanitize import clean_line

        name = f" {clean_line(str(exc.filename))}" if exc.filename else ""
        print(f"newsreader: cannot use{name}: {exc.strerror or exc}", file=sys.stderr)
        return 1
