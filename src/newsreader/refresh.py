"""Refreshing subscriptions: read each source, parse it, store it; one feed's failure is
recorded on that feed and never touches the others or what is already stored.

This module handles file and folder sources. HTTP fetching plugs in through the same
:func:`store_parsed` step.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from newsreader.errors import FeedError, NewsreaderError
from newsreader.feeds.parse import parse_feed
from newsreader.models import Feed, ParsedFeed
from newsreader.sanitize import clean_line
from newsreader.sourcekind import ARTICLE_SUFFIXES, is_local
from newsreader.sources.local import SUFFIXES, article_files, read_directory, read_single_file
from newsreader.store import Store


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    feed: Feed
    new: int = 0
    updated: int = 0
    unchanged: bool = False
    error: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


def _directory_fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in article_files(directory):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode("utf-8", "replace"))
    return digest.hexdigest()


def _is_json_feed(body: bytes) -> bool:
    return b"jsonfeed.org/version" in body[:4096]


def read_local(url: str, previous_hash: str = "") -> tuple[ParsedFeed | None, str]:
    """Parse a local source; (None, hash) when it is byte-identical to the last read."""
    path = Path(url)
    try:
        if path.is_dir():
            fingerprint = _directory_fingerprint(path)
            if fingerprint == previous_hash:
                return None, fingerprint
            return read_directory(path), fingerprint
        body = path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from None
    body_hash = hashlib.sha256(body).hexdigest()
    if body_hash == previous_hash:
        return None, body_hash
    suffix = path.suffix.lower()
    if suffix in SUFFIXES and (
        suffix in ARTICLE_SUFFIXES or (suffix == ".json" and not _is_json_feed(body))
    ):
        return read_single_file(path), body_hash
    return parse_feed(body, base_url=""), body_hash


def refresh_one(store: Store, feed: Feed, *, force: bool = False) -> RefreshOutcome:
    if not is_local(feed.url):
        error = "fetching over HTTP is not available in this version"
        store.record_error(feed.id, error)
        return RefreshOutcome(feed, error=error)
    previous = "" if force else store.feed_body_hash(feed.id)
    try:
        parsed, body_hash = read_local(feed.url, previous)
    except NewsreaderError as exc:
        message = clean_line(str(exc))
        store.record_error(feed.id, message)
        return RefreshOutcome(feed, error=message)
    if parsed is None:
        store.record_unchanged(feed.id)
        return RefreshOutcome(feed, unchanged=True)
    result = store.store_feed(feed.id, parsed, body_hash=body_hash, fetched_at=time.time())
    return RefreshOutcome(feed, result.new, result.updated, warnings=parsed.warnings)


def refresh_all(
    store: Store,
    feeds: Iterable[Feed],
    *,
    force: bool = False,
    progress: Callable[[RefreshOutcome], None] | None = None,
) -> list[RefreshOutcome]:
    outcomes = []
    for feed in feeds:
        outcome = refresh_one(store, feed, force=force)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    store.index_pending()
    return outcomes
