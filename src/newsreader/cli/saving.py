"""``newsreader saved``: the saved searches of config.toml with their counts, and ``saved add
NAME QUERY``, which writes one there."""

from __future__ import annotations

import argparse
import json
import sys

from newsreader.cli.common import open_library
from newsreader.library.paths import Locations
from newsreader.text.sanitize import clean_line


def cmd_saved(args: argparse.Namespace, loc: Locations) -> int:
    from newsreader.library.config import load
    from newsreader.library.saved import add_saved, saved_searches

    if args.saved_command == "add":
        add_saved(loc.config_file, args.name, args.query)
        print(f"saved {clean_line(args.name)!r} in {loc.config_file}")
        return 0
    searches, problems = saved_searches(load(loc.config_file).raw)
    for line in problems:
        print(f"newsreader: config: {line}", file=sys.stderr)
    for search, _view, unread, total in open_library(loc).saved_counts(searches):
        if args.json:
            print(json.dumps({"name": search.name, "query": search.query, "unread": unread,
                              "total": total}, ensure_ascii=False))  # fmt: skip
        else:
            print(f"{unread:>6}/{total:<6} {clean_line(search.name)}  ({clean_line(search.query)})")
    return 1 if problems else 0


def add_saved_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("saved", help="saved searches: list them with counts, or add one")
    actions = p.add_subparsers(dest="saved_command")
    actions.add_parser("list", help="each saved search with its unread and total counts")
    a = actions.add_parser("add", help="write a saved search into config.toml")
    a.add_argument("name")
    a.add_argument(
        "query", help="words and filters: feed: tag: unread:yes author: after:DATE before:DATE"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_saved, saved_command="list")
