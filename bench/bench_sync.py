"""What a sync costs with many unread articles on the server: the first sync, a sync with
nothing new (requests, seconds), and 500 marks sent, on each server the tests run (Tiny Tiny
RSS and coldsweat when ``tests/sync-servers.sh`` prepared them, the Google Reader fake always).

    python3 bench/bench_sync.py [--unread 10000] [--runs 5] [--servers ttrss,greader,fever]

Run from the checkout (it uses the tests' servers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.syncservers import (
    ColdsweatServer,
    GReaderServer,
    SyncServer,
    TtrssServer,
    coldsweat_missing,
    ttrss_missing,
)


def _fill(server: SyncServer, count: int) -> None:
    feed = server.add_feed("https://gazette.test/feed.xml", "Gazette")
    if isinstance(server, TtrssServer):
        server.add_items(feed, count)
    elif isinstance(server, GReaderServer):
        for n in range(count):
            server.fake.add_item(feed, f"Story {n}")
    else:
        assert isinstance(server, ColdsweatServer)
        with server._db() as db:
            db.executemany(
                "INSERT INTO entries (guid, feed_id, title, content_type, content, thumbnail_url,"
                " published_on, author, link) VALUES (?, ?, ?, 'text/html', '<p>Story.</p>', '',"
                " datetime('now'), '', ?)",
                [
                    (f"g{n}", int(feed), f"Story {n}", f"https://site.test/{n}")
                    for n in range(count)
                ],
            )


def bench(service: str, unread: int, runs: int) -> None:
    from newsreader.bookmarks import BookmarkFile
    from newsreader.library import Library
    from newsreader.library.paths import resolve
    from newsreader.sync.settings import SyncSettings

    folder = Path(tempfile.mkdtemp(prefix="nr-bench-sync-"))
    server: SyncServer = (
        TtrssServer() if service == "ttrss"
        else ColdsweatServer(folder) if service == "fever"
        else GReaderServer()
    )  # fmt: skip
    try:
        _fill(server, unread)
        os.environ["NEWSREADER_SYNC_PASSWORD"] = server.password
        settings = SyncSettings(service, server.url, server.user)
        library = Library(resolve(folder / "data", bookmarks_file=folder / "bookmarks.json"))
        bookmarks = BookmarkFile(folder / "bookmarks.json")
        started = time.monotonic()
        first = library.sync(settings, bookmarks)
        assert not first.error, first.error
        print(
            f"{service}: first sync of {first.new_articles} articles:"
            f" {time.monotonic() - started:.1f} s, {first.requests} requests"
        )
        quiet = []
        for _ in range(runs):
            report = library.sync(settings, bookmarks)
            assert not report.error and not report.new_articles, report.error
            quiet.append((report.seconds, report.requests))
        seconds = [s for s, _r in quiet]
        print(
            f"{service}: nothing new, {unread} unread on the server: median"
            f" {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms,"
            f" {quiet[0][1]} requests"
        )
        with library.store() as store:
            ids = [r.id for r in store.page(limit=500).rows]
        library.set_read(ids, True)
        report = library.sync(settings, bookmarks)
        assert not report.error, report.error
        print(
            f"{service}: 500 marks sent in {report.sending_requests} requests"
            f" (the whole sync: {report.requests} requests, {report.seconds * 1000:.0f} ms)"
        )
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unread", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--servers", default="ttrss,greader,fever")
    args = parser.parse_args()
    for service in args.servers.split(","):
        why = ttrss_missing() if service == "ttrss" else ""
        why = why or (coldsweat_missing() if service == "fever" else "")
        if why:
            print(f"{service}: skipped: {why}")
            continue
        bench(service, args.unread, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
