"""Whether a compiled module of ours can be used (see hatch_build.py): each says the number of
the interface it was built for, and one built from an older source is not used (its Python
reference runs instead), as an editable install keeps the module it built last."""

from __future__ import annotations


def built_for(module: object, api: int) -> bool:
    """Whether ``module`` (None: not built) was built for interface ``api``."""
    return module is not None and getattr(module, "API", 0) == api
