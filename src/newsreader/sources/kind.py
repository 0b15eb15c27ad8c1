"""What a subscription's URL names: a web feed, a feed file, an article file or a folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsreader.models import UsageError
from newsreader.sources.safefiles import FileRefused, check_source_path
from newsreader.text.sanitize import clean_line, is_web_url

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


def normalise_source(source: str) -> str:
    """The form stored in the feeds table: an http(s) URL as given, else an absolute path."""
    source = source.strip()
    if not source:
        raise UsageError("the source is empty: give an http(s) URL, a feed file or a folder")
    if clean_line(source) != source:
        raise UsageError("the source contains control or invisible characters")
    if is_web_url(source):
        return source
    if source.lower().startswith("file://"):
        source = unquote(urlsplit(source).path)
    elif "://" in source or source.lower().startswith(("javascript:", "data:")):
        raise UsageError(f"unsupported source {source!r}: use an http(s) URL, a file or a folder")
    path = Path(source).expanduser()
    if not path.exists():
        raise UsageError(f"no such file or folder: {source}")
    resolved = str(path.resolve())
    if clean_line(resolved) != resolved:  # "." inside a folder whose name holds an escape
        raise UsageError(
            f"the path {clean_line(resolved)!r} contains control or invisible characters:"
            " rename it to subscribe"
        )
    try:
        check_source_path(Path(resolved))
    except FileRefused as exc:
        raise UsageError(f"{source}: {exc}") from None
    return resolved


def is_local(url: str) -> bool:
    return not is_web_url(url)
