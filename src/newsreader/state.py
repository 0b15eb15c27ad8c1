"""Small UI state the reader remembers between runs (the theme), in ``state.json`` in the data
directory. Never the user's config.toml: that file is theirs and is only read."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
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
