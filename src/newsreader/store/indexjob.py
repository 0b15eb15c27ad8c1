"""Indexing in a process of its own: ``python -P -m newsreader.store.indexjob DB N``.

A refresh that stored more than a batch of articles has them indexed (full text, related) here,
in a fresh interpreter that imports only the store, with ``N`` processes forked from it to
extract their words. The refresh's own process already holds the HTTP client, the event loop
and, in the reader, the whole UI: indexing on top of that made it the largest process of a
refresh, and its writer thread took
the GIL from the reader's event loop for as long as the indexing lasted.

Prints ``searchable`` when the full-text index is complete, then the number of articles
indexed. On failure: one line on stderr and exit status 1; the
batch being written is rolled back, and what is left is indexed by the next refresh.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

BATCH = 500  # articles a transaction: larger batches cost no less time and more memory
CACHE_MIB = 8


def index_pending(db_path: Path, workers: int, searchable: Callable[[], None] | None = None) -> int:
    """Both indexes, with ``workers`` processes extracting words when more than one;
    ``searchable`` is called when the full-text index is complete."""
    from newsreader.models import StoreError
    from newsreader.store import Store

    if not db_path.is_file():  # never a new, empty store
        raise StoreError(f"no store at {db_path}")
    with Store(db_path, cache_mib=CACHE_MIB) as store:
        if workers < 2:
            return store.index_pending(batch=BATCH, searchable=searchable)
        import os
        from concurrent.futures import ProcessPoolExecutor

        from newsreader.feeds.lifeline import die_with_parent

        with ProcessPoolExecutor(
            workers, initializer=die_with_parent, initargs=(os.getpid(),)
        ) as pool:
            return store.index_pending(batch=BATCH, executor=pool, searchable=searchable)


def _say_searchable() -> None:
    print("searchable", flush=True)


def main(argv: list[str] | None = None) -> int:
    import sqlite3

    from newsreader.models import NewsreaderError

    if argv is None:  # run as the refresh's job: it ends with the refresh
        from newsreader.feeds.lifeline import die_with_parent

        die_with_parent()
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or not args[1].isdigit():
        print("usage: python -m newsreader.store.indexjob DATABASE WORKERS", file=sys.stderr)
        return 2
    try:
        count = index_pending(Path(args[0]), int(args[1]), _say_searchable)
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
