"""newsreader: a terminal news reader.

Importing the package loads nothing else: the TUI lives in ``newsreader.ui.app`` and is imported
only when it is started.
"""

__version__ = "0.1.0"
