"""config.toml: read with tomllib, validated, with defaults for everything.

A missing file is the defaults; a file that cannot be read is a one-line error.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsreader.models import UsageError
from newsreader.sources.safefiles import FileRefused, read_regular_file
from newsreader.sync.settings import SyncSettings, read_sync
from newsreader.text.sanitize import clean_line, redact_credentials

MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Config:
    mark_read_on_open: bool = True
    q_goes_back: bool = True  # q in the article goes back to the list (quits from the list)
    theme: str = ""
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> comma-separated keys
    fetch_timeout_seconds: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024
    concurrency: int = 16
    per_host_concurrency: int = 4
    user_agent: str = ""
    bookmark_command: tuple[str, ...] = ()
    full_text: str = "on_demand"  # always | on_demand | never: the article's page (e)
    feeds: dict[str, FeedOverride] = field(default_factory=dict)  # per-feed settings by URL
    sync: SyncSettings | None = None  # [sync]: the server the store follows
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedOverride:
    """``[feeds."URL"]`` in config.toml: settings for one feed."""

    timeout_seconds: float | None = None
    max_body_bytes: int | None = None
    user_agent: str | None = None
    full_text: str | None = None  # always | on_demand | never


RuleTables = tuple[Mapping[str, Any], ...]  # config.toml's [[rules]], as read


def config_rules(config: Config) -> RuleTables:
    """config.toml's ``[[rules]]`` tables, not yet compiled (:mod:`.ruling` compiles them)."""
    tables = config.raw.get("rules", ())
    return tuple(tables) if isinstance(tables, list) else ()


def full_text_mode(override: FeedOverride | None, default: str) -> str:
    """A feed's ``full_text``: its own setting, else the global one (``default``)."""
    return (override.full_text if override else None) or default


@dataclass(frozen=True, slots=True)
class _Number:
    """A setting that is a number in a range: ``whole`` for counts and sizes."""

    low: float
    high: float
    whole: bool = True

    def problem(self, value: Any) -> str:
        if self.whole:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            ok = ok and math.isfinite(value)
        if ok and self.low <= value <= self.high:
            return ""
        if self.whole:
            return f"must be a whole number from {self.low:,.0f} to {self.high:,.0f}"
        return f"must be a number of seconds from {self.low:g} to {self.high:g}"


@dataclass(frozen=True, slots=True)
class _Line:
    """A setting that is one line of text: no control characters, at most ``longest``."""

    longest: int = 200

    def problem(self, value: Any) -> str:
        if not isinstance(value, str):
            return "must be a string"
        if not value.isprintable():
            return "must be one line without control characters"
        if len(value) > self.longest:
            return f"must be at most {self.longest} characters"
        return ""


@dataclass(frozen=True, slots=True)
class _Choice:
    choices: tuple[str, ...]

    def problem(self, value: Any) -> str:
        return "" if value in self.choices else f"must be one of {', '.join(self.choices)}"


FULL_TEXT = ("always", "on_demand", "never")


@dataclass(frozen=True, slots=True)
class _Flag:
    def problem(self, value: Any) -> str:
        return "" if isinstance(value, bool) else "must be true or false"


TIMEOUT = _Number(1, 3600, whole=False)
BODY_BYTES = _Number(1024, 1024**3)
USER_AGENT = _Line(500)
_SETTINGS: dict[str, _Number | _Line | _Flag | _Choice] = {
    "mark_read_on_open": _Flag(),
    "q_goes_back": _Flag(),
    "theme": _Line(100),
    "fetch_timeout_seconds": TIMEOUT,
    "max_body_bytes": BODY_BYTES,
    "concurrency": _Number(1, 256),
    "per_host_concurrency": _Number(1, 64),
    "user_agent": USER_AGENT,
    "full_text": _Choice(FULL_TEXT),
}
_FEED_SETTINGS: dict[str, _Number | _Line | _Choice] = {
    "timeout_seconds": TIMEOUT,
    "max_body_bytes": BODY_BYTES,
    "user_agent": USER_AGENT,
    "full_text": _Choice(FULL_TEXT),
}


def _shown(value: Any) -> str:
    return clean_line(repr(value))[:60]


def _checked(
    table: dict[str, Any],
    rules: dict[str, _Number | _Line | _Flag | _Choice] | dict[str, _Number | _Line | _Choice],
    prefix: str,
    problems: list[str],
) -> dict[str, Any]:
    """The settings of ``table`` that follow their rules; a line in ``problems`` for each
    one that does not."""
    values: dict[str, Any] = {}
    for name, rule in rules.items():
        if name in table:
            problem = rule.problem(table[name])
            if problem:
                problems.append(f"{prefix}{name} = {_shown(table[name])}: {problem}")
            else:
                values[name] = table[name]
    return values


def load(path: Path) -> Config:
    """The settings of ``path``; a :class:`UsageError` with one line per bad key, naming the
    key and what it may be, when any is wrong."""
    try:
        data = tomllib.loads(read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return Config()
    except FileRefused as exc:
        raise UsageError(f"cannot read config {path}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read config {path}: not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path} is not valid TOML: {exc}") from None
    problems: list[str] = []
    values = _checked(data, _SETTINGS, "", problems)
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        problems.append("[keys] must map binding ids to key strings")
        keys = {}
    command = data.get("bookmark_command", [])
    if isinstance(command, str):
        command = [command]
    if not isinstance(command, list) or not all(isinstance(c, str) and c for c in command):
        problems.append("bookmark_command must be a list of non-empty strings")
        command = []
    feeds = data.get("feeds", {})
    overrides: dict[str, FeedOverride] = {}
    if not isinstance(feeds, dict):
        problems.append("[feeds] must be tables keyed by feed URL")
        feeds = {}
    for url, table in feeds.items():
        where = f'feeds."{redact_credentials(clean_line(url))[:80]}"'
        if not isinstance(table, dict):
            problems.append(f"[{where}] must be a table")
            continue
        overrides[url] = FeedOverride(**_checked(table, _FEED_SETTINGS, f"{where}.", problems))
    sync, sync_problems = read_sync(data)
    problems += sync_problems
    if problems:
        raise UsageError("\n".join(f"config {path}: {line}" for line in problems))
    return Config(
        keys=dict(keys), bookmark_command=tuple(command), feeds=overrides, sync=sync, raw=data,
        **values,
    )  # fmt: skip


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # JSON's strings are TOML's basic strings


def append_tables(path: Path, key: str, tables: list[dict[str, object]]) -> None:
    """Add ``[[key]]`` tables at the end of config.toml (created when missing); the rest of
    the file stays as the user wrote it, and what is written is checked to read back."""
    try:
        existing = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config {path}: {exc}") from None
    text = existing + ("\n" if existing and not existing.endswith("\n") else "")
    for table in tables:
        text += f"\n[[{key}]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in table.items())
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path}: cannot add [[{key}]] to it ({exc})") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot write config {path}: {exc.strerror or exc}") from None
