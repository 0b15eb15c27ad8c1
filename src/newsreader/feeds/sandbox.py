"""The reference parser (feedparser) in a process that can be killed.

feedparser reads what the fast path rejects, but some of its regular expressions are quadratic
and it holds the GIL while they run: in a thread, a hostile document could not be stopped, and
the reader could not quit. Where parsing runs in a thread of the caller's process, the
reference parse goes to one worker process, started when first needed and kept; a parse past
its time limit kills that process (the next one starts a new one). Inside a worker process (a
refresh's process pool) it runs in place: the pool's owner can stop that process already.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from newsreader.models import FeedError, ParsedFeed

_lock = threading.Lock()
_pool: list[ProcessPoolExecutor] = []  # zero or one: the worker kept between parses


def in_worker_process() -> bool:
    return multiprocessing.parent_process() is not None


def _the_pool() -> ProcessPoolExecutor:
    from newsreader.feeds.lifeline import die_with_parent

    with _lock:
        if not _pool:
            _pool.append(
                ProcessPoolExecutor(
                    1,
                    # "spawn": a fork of a process with threads (the reader's) may deadlock
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=die_with_parent,
                    initargs=(os.getpid(),),
                )
            )
        return _pool[0]


def _discard(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's process (a parse that overran) and forget the pool."""
    with _lock:
        if _pool and _pool[0] is pool:
            _pool.clear()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def run_bounded(fn: Callable[..., ParsedFeed], *args: Any, timeout: float) -> ParsedFeed:
    """``fn(*args)`` in the worker process, given ``timeout`` seconds; a :class:`FeedError`
    when it runs past them. ``fn`` must be a module-level function (it is pickled)."""
    for attempt in range(2):
        pool = _the_pool()
        try:
            future = pool.submit(fn, *args)
            return future.result(timeout)
        except FutureTimeout:
            _discard(pool)
            raise FeedError(f"parsing took longer than {timeout:g} s") from None
        except BrokenProcessPool:  # killed for another thread's overrun, or died: once more
            _discard(pool)
            if attempt:
                raise FeedError("the parser process stopped") from None
    raise AssertionError("unreachable")
