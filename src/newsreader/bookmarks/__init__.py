"""Bookmarks: one human-readable JSON file the user owns.

``file`` (the file, written so that nothing is lost), ``codec`` (bookmarks as JSON, checked when
read back), ``formats`` (export and import in the formats other tools read).
"""

from newsreader.bookmarks.codec import (
    MAX_FILE_BYTES,
    BookmarkFileError,
    LoadResult,
    from_json,
    parse,
    snapshot,
    to_json,
)
from newsreader.bookmarks.file import BookmarkFile, ReadOnlyFile
from newsreader.bookmarks.formats import export, import_file

__all__ = [
    "MAX_FILE_BYTES",
    "BookmarkFile",
    "BookmarkFileError",
    "LoadResult",
    "ReadOnlyFile",
    "export",
    "from_json",
    "import_file",
    "parse",
    "snapshot",
    "to_json",
]
