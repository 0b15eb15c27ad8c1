"""The command line. With no command it opens the reader; every command works without it.

A user error prints one line to stderr and exits 1 (2 for usage errors), never a traceback.
``main`` (the parser, the reader's start), ``common`` (the library, files, output),
``subscriptions``, ``refreshing``, ``articles``, ``bookmarking``: one module per group of
commands, each calling the library (:class:`newsreader.library.Library`).
"""

from newsreader.cli.main import main

__all__ = ["main"]
