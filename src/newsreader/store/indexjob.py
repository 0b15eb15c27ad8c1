"""Indexing in a process of its own: ``python -P -m newsreader.store.indexjob DB N [--follow]``.

A refresh that stores more than a batch of articles has them indexed (full text, related) here,
in a fresh interpreter that imports only the store. The refresh's workers extracted each
article's text and counted its words when they stored it; ``N`` processes forked from here
count those of articles stored without them (an older store, an article changed since). The
refresh's own process already holds the HTTP client, the event loop and, in the reader, the
whole UI: indexing on top of that made it the largest process of a refresh, and its writer
thread took the GIL from the reader's event loop for as long as the indexing lasted.

With ``--follow`` it starts while the refresh is still storing and indexes what is stored as it
comes, until its standard input ends (the refresh has stored everything): the indexes are
written while the refresh waits on the network instead of after it. Prints ``searchable`` when
the full-text index is complete, then the number of articles indexed. On failure: one line on
stderr and exit status 1; the batch being written is rolled back, and what is left is indexed
by the next refresh.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

BATCH = 500  # articles a transaction (a following job's least: fewer wait for more)
# a following job that fell behind takes what waits in one transaction, up to this many: each
# commit rewrites the index pages it touched
FOLLOW_MOST = 2_000
CACHE_MIB = 4  # MiB of page cache for each file it writes (articles, search, related)
FOLLOW_POLL_SECONDS = 0.25  # how long a following job waits for more articles when it has none


def index_pending(
    db_path: Path,
    workers: int,
    searchable: Callable[[], None] | None = None,
    stored_all: Callable[[float], bool] | None = None,
) -> int:
    """Both indexes, with ``workers`` processes extracting words when more than one;
    ``searchable`` is called when the full-text index is complete. With ``stored_all``, what
    is stored meanwhile is indexed as it comes until ``stored_all(seconds)`` (which waits at
    most that long) says that nothing more will be."""
    from newsreader.models import StoreError
    from newsreader.store import Store

    if not db_path.is_file():  # never a new, empty store
        raise StoreError(f"no store at {db_path}")
    with Store(db_path, cache_mib=CACHE_MIB) as store:
        completed, busy = 0, False
        if stored_all is not None:
            while not stored_all(0.0 if busy else FOLLOW_POLL_SECONDS):
                searched, related = store.index_available(batch=BATCH, most=FOLLOW_MOST)
                completed, busy = completed + related, bool(searched or related)
        if workers < 2:
            return completed + store.index_pending(batch=BATCH, searchable=searchable)
        import os
        from concurrent.futures import ProcessPoolExecutor

        from newsreader.feeds.lifeline import die_with_parent

        with ProcessPoolExecutor(
            workers, initializer=die_with_parent, initargs=(os.getpid(),)
        ) as pool:
            return completed + store.index_pending(
                batch=BATCH, executor=pool, searchable=searchable
            )


def _say_searchable() -> None:
    print("searchable", flush=True)


def _input_ended(seconds: float) -> bool:
    """Whether standard input has ended, waiting for it at most ``seconds``."""
    import os
    import select

    if not select.select([sys.stdin], [], [], seconds)[0]:
        return False
    return not os.read(sys.stdin.fileno(), 4096)


def main(argv: list[str] | None = None) -> int:
    import sqlite3

    from newsreader.models import NewsreaderError

    if argv is None:  # run as the refresh's job: it ends with the refresh
        from newsreader.feeds.lifeline import die_with_parent

        die_with_parent()
    args = sys.argv[1:] if argv is None else argv
    follow = args[2:] == ["--follow"]
    if len(args) != 2 + follow or not args[1].isdigit():
        print(
            "usage: python -m newsreader.store.indexjob DATABASE WORKERS [--follow]",
            file=sys.stderr,
        )
        return 2
    try:
        count = index_pending(
            Path(args[0]), int(args[1]), _say_searchable, _input_ended if follow else None
        )
    except NewsreaderError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:  # a full disk, a store another writer holds
        print(f"cannot index {args[0]}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
