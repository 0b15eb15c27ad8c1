"""config.toml: read with tomllib, validated, with defaults for everything.

A missing file is the defaults; a file that cannot be read is a one-line error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreader.errors import UsageError


@dataclass(frozen=True, slots=True)
class Config:
    mark_read_on_open: bool = True
    theme: str = ""
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> comma-separated keys
    fetch_timeout_seconds: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024
    concurrency: int = 16
    per_host_concurrency: int = 4
    user_agent: str = ""
    bookmark_command: tuple[str, ...] = ()
    feeds: dict[str, FeedOverride] = field(default_factory=dict)  # per-feed settings by URL
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedOverride:
    """``[feeds."URL"]`` in config.toml: settings for one feed."""

    timeout_seconds: float | None = None
    max_body_bytes: int | None = None
    user_agent: str | None = None


_TYPES: dict[str, type | tuple[type, ...]] = {
    "mark_read_on_open": bool,
    "theme": str,
    "fetch_timeout_seconds": (int, float),
    "max_body_bytes": int,
    "concurrency": int,
    "per_host_concurrency": int,
    "user_agent": str,
}


def load(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path} is not valid TOML: {exc}") from None
    values: dict[str, Any] = {}
    for name, expected in _TYPES.items():
        if name in data:
            value = data[name]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise UsageError(f"config {path}: {name} has the wrong type")
            values[name] = value
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise UsageError(f"config {path}: [keys] must map binding ids to key strings")
    command = data.get("bookmark_command", [])
    if isinstance(command, str):
        command = [command]
    if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
        raise UsageError(f"config {path}: bookmark_command must be a list of strings")
    feeds = data.get("feeds", {})
    if not isinstance(feeds, dict):
        raise UsageError(f"config {path}: [feeds] must be tables keyed by feed URL")
    overrides: dict[str, FeedOverride] = {}
    for url, table in feeds.items():
        if not isinstance(table, dict):
            raise UsageError(f"config {path}: [feeds.{url!r}] must be a table")
        timeout = table.get("timeout_seconds")
        size = table.get("max_body_bytes")
        agent = table.get("user_agent")
        if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
            raise UsageError(f"config {path}: feeds.{url!r}.timeout_seconds must be a number > 0")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size <= 0):
            raise UsageError(f"config {path}: feeds.{url!r}.max_body_bytes must be an integer > 0")
        if agent is not None and not isinstance(agent, str):
            raise UsageError(f"config {path}: feeds.{url!r}.user_agent must be a string")
        overrides[url] = FeedOverride(timeout, size, agent)
    return Config(
        keys=dict(keys), bookmark_command=tuple(command), feeds=overrides, raw=data, **values
    )
