"""Small UI state the reader remembers between runs (the theme), in ``state.json`` in the data
directory. Never the user's config.toml: that file is theirs and is only read."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from newsreader.sources.safefiles import FileRefused, read_regular_file

MAX_STATE_BYTES = 1024 * 1024


def load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_regular_file(path, MAX_STATE_BYTES).decode("utf-8"))
    except (OSError, ValueError, FileRefused):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(path: Path, **changes: Any) -> str:
    """Merge ``changes`` into the file (atomically). Returns "" or why it could not be saved."""
    data = load_state(path)
    data.update(changes)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(temp, path)
    except OSError as exc:
        return f"cannot save {path}: {exc.strerror or exc}"
    return ""
