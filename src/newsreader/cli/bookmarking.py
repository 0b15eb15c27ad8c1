"""Bookmarks: list, add, remove, export and import, in the file the user owns."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from newsreader.cli.common import (
    open_library,
    print_json,
    read_user_file,
)
from newsreader.library.paths import Locations
from newsreader.models import UsageError, is_id
from newsreader.text.phrases import counted


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
            print_json([bm.to_json(b) for b in items])
        else:
            for b in items:
                tags = f" [{', '.join(b.tags)}]" if b.tags else ""
                print(f"{b.title}{tags}\n    {b.url}")
        return 0
    if action == "add":
        bookmark_tags = [clean_line(t) for t in args.tag or () if clean_line(t)]
        bookmark = open_library(loc).bookmark_snapshot(
            args.target, bookmark_tags, clean_text(args.note or "")
        )
        book.add(bookmark)
        _report(book)
        _run_bookmark_command(loc, bookmark)
        print(f"bookmarked: {bookmark.title}")
        return 0
    if action == "remove":
        url = args.target
        if is_id(url):
            url = open_library(loc).article(url)[0].url
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
        data = read_user_file(args.target, bm.MAX_FILE_BYTES)
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
