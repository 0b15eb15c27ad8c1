"""Import httpx without its command-line client.

``import httpx`` also imports ``httpx._main``, the ``httpx`` command, which pulls in click,
pygments and rich's progress and syntax modules: more than half of httpx's import
(upstream: "Do a lazy import of the _main CLI module", pydantic/httpx2#947, not in httpx
0.28). newsreader never runs that command, so the module is stood in for before httpx is
first imported.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def _no_command_line(*args: object, **kwargs: object) -> None:
    raise RuntimeError("httpx's command line is not loaded inside newsreader")


def import_httpx() -> Any:
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stand_in = types.ModuleType("httpx._main", "httpx's command line, not loaded")
        stand_in.main = _no_command_line  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = stand_in
    import httpx

    return httpx
