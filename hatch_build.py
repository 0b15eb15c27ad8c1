"""Builds the compiled parts of a refresh into the wheel.

Each C file below is one extension module with a Python reference beside it: the related
index's word counting and weighing (``related/_counting.c``, reference in ``related/terms.py``)
and the text of an HTML body (``text/_quicktext.c``, reference in ``text/htmldoc.py``). They
are compiled with the compiler Python was built with. Without one the wheel is pure Python
and works the same, slower: the references run instead. Set ``NEWSREADER_REQUIRE_COMPILED=1``
(CI does) to make a failed build an error.
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

MODULES = (  # (C source, its package's folder in the wheel)
    (Path("src/newsreader/related/_counting.c"), "newsreader/related"),
    (Path("src/newsreader/text/_quicktext.c"), "newsreader/text"),
)


class CompiledParts(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        built = tempfile.mkdtemp(prefix="newsreader-build-")
        for source, package_dir in MODULES:
            name = source.stem + suffix
            if version == "editable":  # the editable wheel imports src/ itself: build there
                target = root / "src" / package_dir / name
            else:
                target = Path(built) / name
            try:
                _compile(root / source, target)
            except (OSError, subprocess.CalledProcessError) as error:
                if os.environ.get("NEWSREADER_REQUIRE_COMPILED") == "1":
                    raise
                print(f"newsreader: {source.name} was not compiled ({error}); "
                      "its Python reference will run", file=sys.stderr)  # fmt: skip
                continue
            if version != "editable":
                build_data["force_include"][str(target)] = f"{package_dir}/{name}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True


def _compile(source: Path, target: Path) -> None:
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    flags = ["-shared", "-fPIC", "-O2", f"-I{include}"]
    if sys.platform == "darwin":  # the interpreter provides Python's symbols when it loads it
        flags += ["-undefined", "dynamic_lookup"]
    subprocess.run([*compiler, *flags, str(source), "-o", str(target)], check=True)
