from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reads the shared corpus is slow as well as ``corpus``; a test that starts
    processes says ``slow`` itself (``pytest -m "not ui and not slow"``: the unit tests)."""
    for item in items:
        if "shared" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.corpus)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's own config, data or state: a test that names no
    --config (the CLI then writes the default one: saved searches, imported rules) gets a
    home of its own."""
    home = tmp_path_factory.mktemp("home")
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, str(home / variable.lower()))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}): the shared corpus lives beside the checkout")
    return SHARED


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """``small_disk(kib)``: a folder on a tmpfs of that size, to fill up (mounting needs root;
    the test is skipped, with the reason, where it cannot mount)."""
    mounted: list[Path] = []

    def make(kib: int) -> Path:
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("a full disk is made by mounting a small tmpfs, which needs root")
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(where)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield make
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


def read_only(folder: Path) -> None:
    """Make a ``small_disk`` folder read-only for everyone, root included."""
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
