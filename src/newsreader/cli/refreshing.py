"""Refresh and index: progress on a terminal, one line per failed feed, JSON for scripts."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from newsreader.cli.common import (
    open_library,
    print_json,
)
from newsreader.library.paths import Locations
from newsreader.models import UsageError
from newsreader.text.phrases import counted


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
    from newsreader.library.config import config_rules, load

    warming = warm_up()
    try:
        config = load(loc.config_file)
        from newsreader.library.refresh import options_from_config, refresh_feeds

        if config_rules(config):  # their problems said; the refresh goes on without those rules
            from newsreader.cli.ruling import say_rule_problems
            from newsreader.library.ruling import config_ruleset

            say_rule_problems(config_ruleset(config))

        with open_library(loc).store() as store:
            feeds = [store.find_feed(args.feed)] if args.feed else store.feeds()
            owned = store.server_feed_urls()
        if owned and any(f.url in owned for f in feeds):
            feeds = [f for f in feeds if f.url not in owned]
            if not args.json:
                print(
                    f"{len(owned)} feed(s) come from the sync server: 'newsreader sync'"
                    " brings their articles",
                    file=sys.stderr,
                )
            if not feeds:
                return 0
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
        print_json(
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

    with open_library(loc).store() as store:
        pending = store.pending_index_count()
    # the words of each body are extracted on every core when there is more than a batch
    workers = (os.cpu_count() or 1) if pending > BATCH else 1
    count = index_pending(loc.database, workers) if pending else 0
    with open_library(loc).store() as store:
        pending = store.pending_index_count()
    if not args.quiet:
        print(
            f"indexed {counted(count, 'article')}"
            + (f", {pending:,} still pending" if pending else "")
        )
    return 0
