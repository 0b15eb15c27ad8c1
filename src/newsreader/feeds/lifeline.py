"""Worker processes die with the process that started them.

A refresh killed by SIGKILL (or the OOM killer) cannot stop its workers: without this they
would live on, each holding the store open and its memory. Every worker process calls
:func:`die_with_parent` first: on Linux the kernel sends it SIGKILL when its parent goes
(``PR_SET_PDEATHSIG``); elsewhere a thread notices that the parent has changed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 1.0


def _kernel_lifeline() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os._exit(1)


def die_with_parent(parent: int | None = None) -> None:
    """Make this process end when its parent does. ``parent``: the pid the parent had when it
    started this process (as a pool's ``initargs``); a parent that has already gone by the
    time the lifeline is set is caught too."""
    expected = os.getppid() if parent is None else parent
    if not _kernel_lifeline():
        watcher = threading.Thread(
            target=_watch, args=(expected,), name="newsreader-lifeline", daemon=True
        )
        watcher.start()
    if os.getppid() != expected:
        os._exit(1)
