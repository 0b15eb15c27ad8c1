import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.library.demo import OWNER_FILE, PREFIX, demo_sources, prepare_demo
from newsreader.library.paths import styles_dir


def test_demo_lists_its_articles(capsys) -> None:
    assert main(["--demo", "articles", "--limit", "500", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 30
    assert len({r["feed"] for r in rows}) >= 3


def test_demo_has_captions_sources_related_and_shared_stories(capsys) -> None:
    assert len(demo_sources()) >= 3
    data = ["--data-dir", str(prepare_demo())]
    main([*data, "articles", "--limit", "500", "--json"])
    rows = json.loads(capsys.readouterr().out)
    shown = []
    for row in rows:
        main([*data, "show", str(row["id"]), "--json"])
        shown.append(json.loads(capsys.readouterr().out))
    assert sum(1 for a in shown if a["captions"]) >= 12
    assert sum(1 for a in shown if any(c["credit"] for c in a["captions"])) >= 10
    assert sum(1 for a in shown if any(s["kind"] == "agency" for s in a["sources"])) >= 15
    assert sum(1 for a in shown if a["related"]) >= 3
    storm = [a for a in shown if "Edda" in a["text"]]
    assert len({a["feed"] for a in storm}) >= 3  # one story, several outlets


def test_styles_are_found_by_the_package() -> None:
    assert (styles_dir() / "app.tcss").is_file()


def test_installed_wheel_ships_styles_and_demo() -> None:
    import newsreader

    root = Path(newsreader.__file__).parent
    if not (root / "styles").is_dir():
        # an editable install runs from the checkout; the wheel's layout is checked by CI,
        # which installs the project normally
        assert (root.parents[1] / "styles" / "app.tcss").is_file()
        return
    assert (root / "styles" / "app.tcss").is_file()
    assert (root / "library" / "demo" / "harbour-gazette").is_dir()


@pytest.mark.slow
def test_a_demo_removes_the_directories_of_killed_demos(tmp_path, monkeypatch) -> None:
    """A demo killed by SIGHUP (a closed terminal) skips atexit: the next one cleans up."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    killed, running, old, fresh = (tmp_path / f"{PREFIX}{n}" for n in ("a", "b", "c", "d"))
    for path in (killed, running, old, fresh):
        path.mkdir()
        (path / "newsreader.db").write_bytes(b"")
    (killed / OWNER_FILE).write_text(gone.stdout.strip())
    (running / OWNER_FILE).write_text(str(os.getpid()))
    os.utime(old, (time.time() - 3 * 86400,) * 2)  # from before owner files
    mine = prepare_demo()
    assert not killed.exists() and not old.exists()
    assert running.exists() and fresh.exists() and mine.parent == tmp_path
    assert (mine / OWNER_FILE).read_text() == str(os.getpid())
