"""The offline demo: a fresh temporary data directory filled from the article folders shipped
inside the package (written for newsreader; no network, no set-up)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

from newsreader.library.paths import package_file
from newsreader.library.refresh import refresh_all
from newsreader.store import Store


def demo_sources() -> list[Path]:
    root = package_file("library", "demo")
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


PREFIX = "newsreader-demo-"
OWNER_FILE = "pid"  # the demo process that owns the directory
UNOWNED_AGE = 24 * 3600  # a directory with no owner file older than this is left over


def prepare_demo() -> Path:
    """Create and fill a temporary data directory; it is removed when the process exits, and
    by the next demo when the process was killed (a closed terminal's SIGHUP skips atexit)."""
    remove_left_over_demos()
    data_dir = Path(tempfile.mkdtemp(prefix=PREFIX))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    (data_dir / OWNER_FILE).write_text(str(os.getpid()))
    with Store(data_dir / "newsreader.db") as store:
        for source in demo_sources():
            store.add_feed(str(source), tags=("demo",))
        refresh_all(store, store.feeds())
    return data_dir


def remove_left_over_demos() -> None:
    """Remove the demo directories of processes that are gone."""
    for path in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((path / OWNER_FILE).read_text())
        except (OSError, ValueError):
            owner = None
        try:
            if owner is not None:
                left_over = not _running(owner)
            else:  # written before owner files, or being created right now
                left_over = time.time() - path.stat().st_mtime > UNOWNED_AGE
        except OSError:
            continue
        if left_over and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        pass
    return True
