"""Builds the compiled word counter of the related index into the wheel.

The one C file (``src/newsreader/related/_counting.c``) is compiled with the compiler Python
was built with. Without one the wheel is pure Python and works the same, slower: the
counter's reference, ``newsreader.related.terms.count_terms``, runs instead. Set
``NEWSREADER_REQUIRE_COMPILED=1`` (CI does) to make a failed build an error.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src/newsreader/related/_counting.c")
PACKAGE_DIR = "newsreader/related"


class CompiledCounter(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        name = "_counting" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")
        if version == "editable":  # the editable wheel imports src/ itself: build beside it
            target = root / "src" / PACKAGE_DIR / name
        else:
            target = Path(tempfile.mkdtemp(prefix="newsreader-build-")) / name
        try:
            _compile(root / SOURCE, target)
        except (OSError, subprocess.CalledProcessError) as error:
            if os.environ.get("NEWSREADER_REQUIRE_COMPILED") == "1":
                raise
            print(f"newsreader: the compiled counter was not built ({error}); "
                  "the Python one will run", file=sys.stderr)  # fmt: skip
            return
        if version != "editable":
            build_data["force_include"][str(target)] = f"{PACKAGE_DIR}/{name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True


def _compile(source: Path, target: Path) -> None:
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    flags = ["-shared", "-fPIC", "-O2", f"-I{include}"]
    if sys.platform == "darwin":  # the interpreter provides Python's symbols when it loads it
        flags += ["-undefined", "dynamic_lookup"]
    subprocess.run([*compiler, *flags, str(source), "-o", str(target)], check=True)
