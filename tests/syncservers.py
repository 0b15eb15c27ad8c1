"""The sync servers the tests run: Tiny Tiny RSS from Debian (PHP's own web server in front of
its PostgreSQL database), coldsweat (a Fever API server, from PyPI, in a venv of its own) and
the Google Reader API fake. Each one on 127.0.0.1 behind a :class:`FlakyProxy`, with the same
test-side calls: add a feed or an article, read the state the server keeps, break the line.

``bash tests/sync-servers.sh`` installs and prepares the first two (``.ci/run`` calls it); a
test whose server is not there is skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Protocol

from .flakyproxy import FlakyProxy
from .greaderfake import GReaderFake

TTRSS_WWW = Path("/usr/share/tt-rss/www")
TTRSS_SCHEMA = Path("/usr/share/tt-rss/schema/ttrss_schema_pgsql.sql")
TTRSS_DB = {"PGHOST": "127.0.0.1", "PGUSER": "ttrss_test", "PGPASSWORD": "ttrss_test",
            "PGDATABASE": "ttrss_test"}  # fmt: skip
COLDSWEAT_PYTHON = Path(os.environ.get("NEWSREADER_COLDSWEAT", "/opt/coldsweat/bin/python"))
START_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not listen on {port} in {START_SECONDS:g} s")


class SyncServer(Protocol):
    service: str
    user: str
    password: str
    proxy: FlakyProxy

    @property
    def url(self) -> str: ...

    def add_feed(self, url: str, title: str) -> str: ...

    def add_item(self, feed: str, title: str, read: bool = False, starred: bool = False) -> str: ...

    def state(self) -> dict[str, tuple[bool, bool]]:
        """item id -> (read, starred), from the server's own storage."""

    def feed_urls(self) -> set[str]: ...

    def stop(self) -> None: ...


# -- Tiny Tiny RSS -----------------------------------------------------------------------


def ttrss_missing() -> str:
    """Why Tiny Tiny RSS cannot run here ("" when it can)."""
    if os.geteuid() != 0:
        return "Tiny Tiny RSS runs as root here (its PostgreSQL and its updater's user)"
    if not TTRSS_WWW.is_dir() or not shutil.which("php") or not shutil.which("psql"):
        return "Tiny Tiny RSS is not installed: run 'bash tests/sync-servers.sh' (as root)"
    done = subprocess.run(["psql", "-Atc", "SELECT 1"], env={**os.environ, **TTRSS_DB},
                          capture_output=True, timeout=30)  # fmt: skip
    if done.returncode != 0:
        return "Tiny Tiny RSS's database is not ready: run 'bash tests/sync-servers.sh'"
    return ""


def psql(sql: str) -> str:
    done = subprocess.run(
        ["psql", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        env={**os.environ, **TTRSS_DB}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout


class TtrssServer:
    service = "ttrss"
    user = "admin"
    password = "password"  # the schema's own first user

    def __init__(self) -> None:
        psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        done = subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(TTRSS_SCHEMA)],
            env={**os.environ, **TTRSS_DB}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        psql("INSERT INTO ttrss_user_prefs (owner_uid, pref_name, value)"
             " VALUES (1, 'ENABLE_API_ACCESS', 'true')")  # fmt: skip
        self.port = _free_port()
        # a group of its own: PHP's server forks its workers, which outlive a stopped parent
        self.process = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(TTRSS_WWW)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}, start_new_session=True,
        )  # fmt: skip
        _wait_for(self.port, self.process)
        self.proxy = FlakyProxy(self.port)

    @property
    def url(self) -> str:
        return self.proxy.base + "/"

    def add_feed(self, url: str, title: str) -> str:
        return psql(
            "INSERT INTO ttrss_feeds (owner_uid, title, feed_url, site_url)"
            f" VALUES (1, $${title}$$, $${url}$$, '') RETURNING id"
        ).split()[0]

    def add_item(self, feed: str, title: str, read: bool = False, starred: bool = False) -> str:
        return psql(
            "WITH e AS (INSERT INTO ttrss_entries (title, guid, link, updated, content,"
            " content_hash, date_entered, date_updated, author) VALUES ($$" + title + "$$,"
            " md5(random()::text), 'https://site.test/' || md5(random()::text), now(),"
            " $$<p>" + title + ".</p>$$, '', now(), now(), 'Mara Quist') RETURNING id)"
            " INSERT INTO ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, marked,"
            f" published, tag_cache, label_cache, unread) SELECT id, '', {int(feed)}, 1,"
            f" {str(starred).lower()}, false, '', '', {str(not read).lower()} FROM e"
            " RETURNING ref_id"
        ).split()[0]

    def add_items(self, feed: str, count: int) -> None:
        """``count`` unread articles at once."""
        psql(
            "WITH e AS (INSERT INTO ttrss_entries (title, guid, link, updated, content,"
            " content_hash, date_entered, date_updated, author) SELECT 'Story ' || n,"
            " 'g' || n || md5(random()::text), 'https://site.test/' || n, now(), '<p>Story.</p>',"
            f" '', now(), now(), '' FROM generate_series(1, {count}) n RETURNING id)"
            " INSERT INTO ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, marked,"
            f" published, tag_cache, label_cache, unread) SELECT id, '', {int(feed)}, 1, false,"
            " false, '', '', true FROM e"
        )

    def set_state(self, item: str, read: bool | None = None, starred: bool | None = None) -> None:
        """A change made on the server by someone else (its web page)."""
        if read is not None:
            psql(f"UPDATE ttrss_user_entries SET unread = {str(not read).lower()},"
                 f" last_read = now() WHERE ref_id = {int(item)}")  # fmt: skip
        if starred is not None:
            psql(f"UPDATE ttrss_user_entries SET marked = {str(starred).lower()},"
                 f" last_marked = now() WHERE ref_id = {int(item)}")  # fmt: skip

    def state(self) -> dict[str, tuple[bool, bool]]:
        rows = psql("SELECT ref_id, unread, marked FROM ttrss_user_entries")
        found = {}
        for line in rows.split():
            ref, unread, marked = line.split("|")
            found[ref] = (unread == "f", marked == "t")
        return found

    def feed_urls(self) -> set[str]:
        return set(psql("SELECT feed_url FROM ttrss_feeds").split())

    def stop(self) -> None:
        self.proxy.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)  # the server and its workers
        self.process.wait(10)


# -- coldsweat (Fever) -------------------------------------------------------------------


def coldsweat_missing() -> str:
    if not COLDSWEAT_PYTHON.exists():
        return (
            f"coldsweat is not installed at {COLDSWEAT_PYTHON}: run 'bash tests/sync-servers.sh'"
            " (or point $NEWSREADER_COLDSWEAT at a venv's python that has coldsweat 0.10.2)"
        )
    return ""


class ColdsweatServer:
    service = "fever"
    user = "reader@test.example"
    password = "secret-password-1"

    def __init__(self, folder: Path) -> None:
        self.database = folder / "coldsweat.db"
        env = {
            **os.environ,
            "FLASK_DATABASE_URL": f"sqlite:///{self.database}",
            "FLASK_SECRET_KEY": "test",
        }
        flask = [str(COLDSWEAT_PYTHON), "-m", "flask", "--app", "coldsweat"]
        done = subprocess.run(
            [*flask, "setup", self.user, "-p", self.password],
            env=env, capture_output=True, text=True, timeout=120, cwd=folder,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        self.port = _free_port()
        self.process = subprocess.Popen(
            [*flask, "run", "--host", "127.0.0.1", "--port", str(self.port), "--with-threads"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
        )  # fmt: skip
        _wait_for(self.port, self.process)
        self.proxy = FlakyProxy(self.port)

    @property
    def url(self) -> str:
        return self.proxy.base + "/fever/"

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.database, timeout=30, isolation_level=None)

    def add_feed(self, url: str, title: str) -> str:
        with self._db() as db:
            feed = db.execute(
                "INSERT INTO feeds (enabled, self_link, error_count, title, alternate_link, etag,"
                " source, icon, icon_url) VALUES (1, ?, 0, ?, '', '', 'G', '', '')",
                (url, title),
            ).lastrowid
            db.execute(
                "INSERT INTO subscriptions (user_id, group_id, feed_id) VALUES (1, 1, ?)", (feed,)
            )
        return str(feed)

    def add_item(self, feed: str, title: str, read: bool = False, starred: bool = False) -> str:
        with self._db() as db:
            count = db.execute("SELECT count(*) FROM entries").fetchone()[0]
            entry = db.execute(
                "INSERT INTO entries (guid, feed_id, title, content_type, content, thumbnail_url,"
                " published_on, author, link) VALUES (?, ?, ?, 'text/html', ?, '',"
                " datetime('now'), 'Mara Quist', ?)",
                (f"guid-{count}-{time.time()}", int(feed), title, f"<p>{title}.</p>",
                 f"https://site.test/{count}"),
            ).lastrowid  # fmt: skip
            if read:
                db.execute(
                    "INSERT INTO read (user_id, entry_id, read_on) VALUES (1, ?, datetime('now'))",
                    (entry,),
                )
            if starred:
                db.execute(
                    "INSERT INTO saved (user_id, entry_id, saved_on)"
                    " VALUES (1, ?, datetime('now'))",
                    (entry,),
                )
        return str(entry)

    def state(self) -> dict[str, tuple[bool, bool]]:
        with self._db() as db:
            read = {r[0] for r in db.execute("SELECT entry_id FROM read")}
            saved = {r[0] for r in db.execute("SELECT entry_id FROM saved")}
            return {
                str(e): (e in read, e in saved) for (e,) in db.execute("SELECT id FROM entries")
            }

    def feed_urls(self) -> set[str]:
        with self._db() as db:
            return {r[0] for r in db.execute("SELECT self_link FROM feeds")}

    def stop(self) -> None:
        self.proxy.close()
        self.process.terminate()
        self.process.wait(10)


# -- the Google Reader API fake ----------------------------------------------------------


class GReaderServer:
    service = "greader"
    user = "reader"
    password = "secret-pw"

    def __init__(self) -> None:
        self.fake = GReaderFake(self.user, self.password).start()
        self.proxy = FlakyProxy(self.fake.server_address[1])

    @property
    def url(self) -> str:
        return self.proxy.base

    def add_feed(self, url: str, title: str) -> str:
        return self.fake.add_feed(url, title)

    def add_item(self, feed: str, title: str, read: bool = False, starred: bool = False) -> str:
        return str(self.fake.add_item(feed, title, read=read, starred=starred))

    def state(self) -> dict[str, tuple[bool, bool]]:
        with self.fake.lock:
            return {str(i.id): (i.read, i.starred) for i in self.fake.items.values()}

    def feed_urls(self) -> set[str]:
        with self.fake.lock:
            return {f.url for f in self.fake.feeds.values()}

    def stop(self) -> None:
        self.proxy.close()
        self.fake.stop()


def dumps(state: dict[str, tuple[bool, bool]]) -> str:
    return json.dumps(sorted(state.items()))
