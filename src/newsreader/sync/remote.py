"""What a sync server says, and what every protocol's client offers the engine.

Everything here comes from the server and is untrusted: the clients clean titles, names and
URLs as they read them (bodies stay HTML, which ``htmldoc`` reads like a feed's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

MARKS = ("read", "unread", "star", "unstar")


@dataclass(frozen=True, slots=True)
class RemoteFeed:
    id: str
    url: str
    title: str
    site_url: str = ""
    tags: tuple[str, ...] = ()  # the server's category or folder


@dataclass(frozen=True, slots=True)
class RemoteItem:
    id: str
    feed_id: str
    url: str
    title: str
    author: str
    published: float | None
    html: str
    read: bool
    starred: bool
    guid: str = ""


@dataclass(slots=True)
class Pull:
    """What changed on the server since the last sync, as one protocol can tell.

    ``unread``/``starred``: the server's whole set of unread or starred item ids within
    ``unread_feeds`` (None: every feed), or None when the protocol knows they did not change.
    ``memory``: what the client keeps for the next sync (cursors, counters)."""

    items: list[RemoteItem] = field(default_factory=list)
    unread: set[str] | None = None
    unread_feeds: set[str] | None = None
    starred: set[str] | None = None
    feeds_changed: bool = False
    memory: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Sent:
    """What this sync's own requests changed on the server, as far as the store knew its state:
    a protocol that sees changes by counts must not take its own marks for someone else's."""

    unread_delta: dict[str, int] = field(default_factory=dict)  # feed id -> change of unread
    starred_delta: dict[str, int] = field(default_factory=dict)
    read: set[str] = field(default_factory=set)  # items marked read


class SyncClient(Protocol):
    """One server, one account. Every call raises :class:`~newsreader.models.SyncError` (or
    :class:`~newsreader.models.ServerUnreachable`) with one line that names no secret."""

    can_subscribe: bool
    memory: dict[str, str]  # what a sync keeps of the client's (its session) even when it fails

    @property
    def requests(self) -> int:
        """HTTP requests made, for the user's log and the benchmarks."""

    def mark(self, mark: str, item_ids: Sequence[str]) -> None:
        """Set ``mark`` (one of :data:`MARKS`) on these items, in as few requests as the
        protocol allows."""

    def subscribe(self, url: str) -> str:
        """Subscribe to a feed; its id on the server."""

    def unsubscribe(self, feed_id: str) -> None: ...

    def feeds(self) -> list[RemoteFeed]: ...

    def pull(self, memory: dict[str, str], full: bool, sent: Sent) -> Pull:
        """New items and the state that changed since the sync that left ``memory`` (all of
        it when ``full`` or when ``memory`` is empty), besides what ``sent`` did."""

    def close(self) -> None: ...
