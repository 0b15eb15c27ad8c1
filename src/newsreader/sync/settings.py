"""config.toml's ``[sync]``: which server, as whom, and a command that prints the password.

    [sync]
    service = "ttrss"                      # ttrss | greader | fever
    url = "https://rss.example.org/tt-rss/"
    user = "me"
    password_command = "pass show rss"     # or a list: ["secret-tool", "lookup", "rss", "me"]

The password is never stored by newsreader: it is the first line the command prints (run
without a shell), or ``$NEWSREADER_SYNC_PASSWORD`` for scripts; it never appears in a message.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from typing import Any

from newsreader.models import SyncError
from newsreader.text.sanitize import clean_line, is_web_url, redact_credentials

SERVICES = ("ttrss", "greader", "fever")
PASSWORD_ENV = "NEWSREADER_SYNC_PASSWORD"
PASSWORD_SECONDS = 60  # a password manager may ask for its own passphrase first


@dataclass(frozen=True, slots=True)
class SyncSettings:
    service: str
    url: str
    user: str
    password_command: tuple[str, ...] = ()
    timeout_seconds: float = 30.0

    @property
    def account(self) -> str:
        """What the store follows: another service, server or user is another account."""
        return f"{self.service} {self.url.rstrip('/')} {self.user}"

    @property
    def shown(self) -> str:
        return f"{self.service} at {redact_credentials(clean_line(self.url))}"


def read_sync(raw: dict[str, Any]) -> tuple[SyncSettings | None, list[str]]:
    """config.toml's ``[sync]`` table (None when there is none), and a line for each
    problem in it."""
    table = raw.get("sync")
    if table is None:
        return None, []
    if not isinstance(table, dict):
        return None, ["[sync] must be a table"]
    problems: list[str] = []
    service = table.get("service")
    if service not in SERVICES:
        problems.append(f"sync.service = {_shown(service)}: one of {', '.join(SERVICES)}")
    url = table.get("url")
    if not isinstance(url, str) or not is_web_url(url):
        problems.append(f"sync.url = {_shown(url)}: the server's http(s) address")
    user = table.get("user")
    if not isinstance(user, str) or not user.strip() or not user.isprintable():
        problems.append("sync.user must be the account's user name (or e-mail address)")
    if "password" in table:
        problems.append(
            "sync.password: a password is not kept in config.toml; give password_command"
            f" (a command that prints it) or set ${PASSWORD_ENV}"
        )
    command = table.get("password_command", ())
    if isinstance(command, str):
        command = shlex.split(command)
    if not isinstance(command, list | tuple) or not all(isinstance(c, str) and c for c in command):
        problems.append("sync.password_command must be a command line or a list of strings")
        command = ()
    timeout = table.get("timeout_seconds", 30.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= 600:
        problems.append("sync.timeout_seconds must be a number of seconds from 1 to 600")
        timeout = 30.0
    if problems:
        return None, problems
    assert isinstance(service, str) and isinstance(url, str) and isinstance(user, str)
    return SyncSettings(service, url, user.strip(), tuple(command), float(timeout)), []


def _shown(value: object) -> str:
    return redact_credentials(clean_line(repr(value)))[:80]


def password(settings: SyncSettings) -> str:
    """The account's password: ``$NEWSREADER_SYNC_PASSWORD``, else the first line that
    ``password_command`` prints. :class:`SyncError` says what failed, never what it printed."""
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    if not settings.password_command:
        raise SyncError(
            f"sync: no password: give password_command in [sync] or set ${PASSWORD_ENV}"
        )
    name = clean_line(settings.password_command[0])[:60]
    try:
        done = subprocess.run(
            list(settings.password_command),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PASSWORD_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise SyncError(f"sync: password_command {name!r} was not found") from None
    except subprocess.TimeoutExpired:
        raise SyncError(
            f"sync: password_command {name!r} gave no password in {PASSWORD_SECONDS} s"
        ) from None
    except OSError as exc:
        raise SyncError(f"sync: password_command {name!r} cannot run: {exc.strerror}") from None
    if done.returncode != 0:
        raise SyncError(f"sync: password_command {name!r} failed (exit {done.returncode})")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise SyncError(f"sync: password_command {name!r} printed no password")
    return lines[0]
