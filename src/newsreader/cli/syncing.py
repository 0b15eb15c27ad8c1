"""``newsreader sync`` and ``newsreader mark``: the server a store follows, from a script
or cron (exit 0: done, 1: the server failed, 2: a usage error)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from newsreader.cli.common import open_library, print_json
from newsreader.library.paths import Locations
from newsreader.models import UsageError, is_id


def add_sync_parser(sub: Any) -> None:
    p = sub.add_parser("sync", help="send what waits for the sync server, take what changed")
    p.add_argument("--full", action="store_true", help="read the server's whole state again")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("mark", help="mark articles read, unread, starred or unstarred")
    p.add_argument("ids", nargs="+", metavar="ID")
    how = p.add_mutually_exclusive_group(required=True)
    for flag in ("read", "unread", "star", "unstar"):
        how.add_argument(f"--{flag}", dest="mark", action="store_const", const=flag)
    p.set_defaults(func=cmd_mark)


def cmd_sync(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.bookmarks import BookmarkFile
    from newsreader.library.config import load
    from newsreader.sync.engine import describe

    config = load(loc.config_file)
    if config.sync is None:
        raise UsageError(f"no [sync] in {loc.config_file}: say which server to sync with")
    bookmarks = BookmarkFile(loc.bookmarks_file, keep_in_memory=False)
    report = open_library(loc).sync(config.sync, bookmarks, full=args.full)
    if args.json:
        print_json(
            {
                "service": config.sync.service,
                "sent": report.sent,
                "new_articles": report.new_articles,
                "read_changed": report.read_changed,
                "bookmarked": report.bookmarked,
                "unbookmarked": report.unbookmarked,
                "feeds_added": report.feeds_added,
                "feeds_removed": report.feeds_removed,
                "queued": report.queued,
                "requests": report.requests,
                "seconds": round(report.seconds, 3),
                "log": report.log,
                "error": report.error or None,
            }
        )
    else:
        for line in report.log:
            print(f"  {line}")
        print(describe(report, config.sync), file=sys.stderr if report.error else sys.stdout)
    for problem in bookmarks.messages:
        print(f"newsreader: {problem}", file=sys.stderr)
    return 1 if report.error else 0


def cmd_mark(args: argparse.Namespace, loc: Locations) -> int:
    """Through the same queue as the reader: in a store that follows a server, each change
    waits there for the next sync."""
    from newsreader.bookmarks import BookmarkFile

    bad = [i for i in args.ids if not is_id(i)]
    if bad:
        raise UsageError(f"article ids are numbers: {bad[0][:40]!r}")
    library = open_library(loc)
    ids = [int(i) for i in args.ids]
    if args.mark in ("read", "unread"):
        for article_id in ids:
            library.article(article_id)  # a missing one is said before anything changes
        changed, unread = library.set_read(ids, args.mark == "read")
        print(f"{changed} article(s) marked {args.mark}; {unread} unread")
        return 0
    bookmarks = BookmarkFile(loc.bookmarks_file, keep_in_memory=False)
    for article_id in ids:
        if args.mark == "star":
            snapshot = library.bookmark_snapshot(article_id)
            bookmarks.add(snapshot)
            url = snapshot.url
        else:
            url = library.article(article_id)[0].url
            bookmarks.remove(url)
        library.queue_star(url, args.mark == "star")
    for problem in bookmarks.messages:
        print(f"newsreader: {problem}", file=sys.stderr)
    print(f"{len(ids)} article(s) {'starred' if args.mark == 'star' else 'unstarred'}")
    return 0
