"""The ``newsreader`` command: its parser, the reader's start and the one line an error ends in."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from newsreader import __version__
from newsreader.cli.ruling import add_rules_parser
from newsreader.cli.saving import add_saved_parser
from newsreader.cli.syncing import add_sync_parser
from newsreader.library.paths import Locations, resolve
from newsreader.models import NewsreaderError, UsageError

Command = Callable[[argparse.Namespace, Locations], int]


def _command(module: str, name: str) -> Command:
    """A command of one of the ``newsreader.cli`` modules, imported when it runs: a command
    loads what it uses, not what every other command does (a status bar that asks for the
    unread count every few seconds pays the start of each)."""

    def run(args: argparse.Namespace, loc: Locations) -> int:
        command: Command = getattr(importlib.import_module(f"newsreader.cli.{module}"), name)
        return command(args, loc)

    return run


def cmd_locate(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.store.connection import related_path, search_path

    print(f"config:    {loc.config_file}")
    print(f"data:      {loc.data_dir}")
    print(f"store:     {loc.database}")
    print(f"search:    {search_path(loc.database)}")
    print(f"related:   {related_path(loc.database)}")
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
        from newsreader.cli.common import upgrade_store

        upgrade_store(loc)
    from newsreader.library.firstscreen import read_first_screen

    # Before Textual is imported: a thread would fight that import for the GIL at every row
    first_screen = read_first_screen(loc)
    from newsreader.ui.app import NewsreaderApp

    NewsreaderApp(loc, config, demo=args.demo, first_screen=first_screen).run()
    return 0


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
    p.set_defaults(func=_command("subscriptions", "cmd_add"))

    p = sub.add_parser("remove", help="unsubscribe (by URL, path, id or title)")
    p.add_argument("source", nargs="?")
    p.add_argument("--all-from", metavar="FILE", help="every feed an OPML or urls file lists")
    p.set_defaults(func=_command("subscriptions", "cmd_remove"))

    p = sub.add_parser("feeds", help="list subscriptions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("subscriptions", "cmd_feeds"))

    p = sub.add_parser("refresh", help="read every subscription again")
    p.add_argument("--feed", help="only this feed (URL, id or title)")
    p.add_argument("--jobs", type=_count(1, 256), help="parallel downloads (default: config, 16)")
    p.add_argument("--force", action="store_true", help="parse even an unchanged source")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("refreshing", "cmd_refresh"))

    p = sub.add_parser("index", help="index articles stored without their search index")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_command("refreshing", "cmd_index"))

    p = sub.add_parser("import", help="import subscriptions: OPML or a newsboat urls file")
    p.add_argument("file", nargs="?", help="OPML or urls (its query: lines: saved searches)")
    p.add_argument(
        "--newsboat-config", metavar="FILE", help="newsboat's config: ignore-article as rules"
    )
    p.set_defaults(func=_command("subscriptions", "cmd_import"))

    p = sub.add_parser("export", help="export subscriptions")
    p.add_argument("format", choices=["opml"])
    p.set_defaults(func=_command("subscriptions", "cmd_export"))

    p = sub.add_parser("articles", help="list articles, newest first")
    p.add_argument("--unread", action="store_true")
    p.add_argument("--feed")
    p.add_argument("--saved", metavar="NAME", help="a saved search of config.toml")
    p.add_argument("--limit", type=_count(1, MAX_LIMIT), default=50)
    p.add_argument("--count", action="store_true", help="print only how many there are")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("articles", "cmd_articles"))

    p = sub.add_parser("search", help='full-text search: words as typed, "a phrase", OR, NOT, pre*')
    p.add_argument("query")
    p.add_argument("--limit", type=_count(1, MAX_LIMIT), default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("articles", "cmd_search"))

    p = sub.add_parser("show", help="print an article as the reading pane shows it")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--full", action="store_true", help="the text of the article's page (fetched if missing)"
    )
    p.set_defaults(func=_command("articles", "cmd_show"))

    p = sub.add_parser("extract", help="the article in HTML files or web pages")
    p.add_argument("sources", nargs="+", metavar="FILE_OR_URL")
    p.add_argument("--url", help="the address a file was saved from (for its relative links)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=_command("extracting", "cmd_extract"))

    p = sub.add_parser("related", help="articles related to the given ones")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--limit", type=_count(1, MAX_LIMIT), default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("articles", "cmd_related"))

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
    p.set_defaults(func=_command("bookmarking", "cmd_bookmarks"))

    add_rules_parser(sub)
    add_saved_parser(sub)
    add_sync_parser(sub)

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
