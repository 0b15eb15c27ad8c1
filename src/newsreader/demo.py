"""The offline demo: a fresh temporary data directory filled from the article folders shipped
inside the package (written for newsreader; no network, no set-up)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from newsreader.paths import package_file
from newsreader.refresh import refresh_all
from newsreader.store import Store


def demo_sources() -> list[Path]:
    root = package_file("demo")
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def prepare_demo() -> Path:
    """Create and fill a temporary data directory; it is removed when the process exits."""
    data_dir = Path(tempfile.mkdtemp(prefix="newsreader-demo-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    with Store(data_dir / "newsreader.db") as store:
        for source in demo_sources():
            store.add_feed(str(source), tags=("demo",))
        refresh_all(store, store.feeds())
    return data_dir
