"""Subscriptions: add, remove, list, import and export."""

from __future__ import annotations

import argparse
import sys

from newsreader.cli.common import (
    feed_json,
    open_library,
    print_json,
    read_user_file,
    subscription_list,
)
from newsreader.library.paths import Locations
from newsreader.models import UsageError
from newsreader.text.phrases import counted


def cmd_add(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.sources.kind import normalise_source
    from newsreader.text.sanitize import clean_line, is_web_url

    url = normalise_source(args.source)
    tags = [tag for tag in (clean_line(t) for t in args.tag or ()) if tag]
    note = "; run 'newsreader refresh' to read it"
    if is_web_url(url) and not args.no_check:
        url, note = _checked_feed_url(url, loc)
    feed = open_library(loc).subscribe(url, clean_line(args.title), tags)
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

    if args.all_from:
        return _remove_all_from(args.all_from, loc)
    if not args.source:
        raise UsageError("remove needs a SOURCE, or --all-from FILE")
    feed = open_library(loc).remove(args.source)
    print(f"removed {feed.shown_url} and its {counted(feed.article_count, 'article')}")
    return 0


def _remove_all_from(name: str, loc: Locations) -> int:
    """Undo an import: every feed the OPML or urls file lists (and only those) goes."""
    listed = subscription_list(name).subscriptions
    removed, absent, articles = open_library(loc).remove_listed(listed)
    print(
        f"removed {counted(removed, 'feed')} and their {counted(articles, 'article')}"
        f" ({absent} not subscribed)"
    )
    return 0


def cmd_feeds(args: argparse.Namespace, loc: Locations) -> int:
    feeds = open_library(loc).feeds()
    if args.json:
        print_json([feed_json(f) for f in feeds])
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


def cmd_import(args: argparse.Namespace, loc: Locations) -> int:
    """Subscriptions (OPML or a newsboat urls file, whose query: lines become saved
    searches) and newsboat's ignore-article lines (``--newsboat-config``) as block rules."""
    if not args.file and not args.newsboat_config:
        raise UsageError("import what? an OPML or urls FILE, or --newsboat-config FILE")
    if args.file:
        result = subscription_list(args.file)
        for warning in result.warnings:
            if "skipped a query: feed" not in warning:  # those are saved searches now
                print(f"warning: {warning}", file=sys.stderr)
        added = len(open_library(loc).import_subscriptions(result.subscriptions))
        skipped = len(result.subscriptions) - added
        print(f"imported {counted(added, 'feed')} ({skipped} already subscribed)")
        _import_queries(args.file, loc)
    if args.newsboat_config:
        _import_ignores(args.newsboat_config, loc)
    return 0


def _import_queries(name: str, loc: Locations) -> None:
    from newsreader.library.newsboat import read_urls_queries
    from newsreader.library.opml import MAX_IMPORT_BYTES
    from newsreader.library.saved import add_saved

    text = read_user_file(name, MAX_IMPORT_BYTES).decode("utf-8", "replace")
    if text.lstrip().startswith("<"):  # OPML
        return
    done = read_urls_queries(text)
    for warning in done.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    saved = 0
    for search_name, query in done.saved:
        try:
            add_saved(loc.config_file, search_name, query)
            saved += 1
        except UsageError as exc:
            print(f"warning: query {search_name!r} not saved: {exc}", file=sys.stderr)
    if done.saved:
        print(f"saved {counted(saved, 'search', 'searches')} in {loc.config_file}")


def _import_ignores(name: str, loc: Locations) -> None:
    from newsreader.library.config import append_tables
    from newsreader.library.newsboat import read_config_rules
    from newsreader.library.opml import MAX_IMPORT_BYTES

    done = read_config_rules(read_user_file(name, MAX_IMPORT_BYTES).decode("utf-8", "replace"))
    for warning in done.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if done.rules:
        append_tables(loc.config_file, "rules", done.rules)
    print(
        f"imported {counted(len(done.rules), 'ignore-article rule')} into {loc.config_file}"
        " (newsreader rules apply: on what is stored)"
    )


def cmd_export(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.library.opml import write_opml

    sys.stdout.write(write_opml(open_library(loc).feeds()))
    return 0
