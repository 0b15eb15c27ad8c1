"""No escape sequence from a feed reaches the terminal: the real app runs in a pseudo-terminal
on a feed whose fields carry OSC 0 (window title), OSC 52 (clipboard), OSC 8 (hyperlink), CSI
and C1 controls, and every byte it writes is checked."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsreader.library.refresh import refresh_all
from newsreader.store import Store

pytestmark = [pytest.mark.ui, pytest.mark.slow]

OSC0 = "\x1b]0;PWNED-TITLE\x07"
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
CSI = "\x1b[6n\x1b[20h\x1b[5i"
C1 = "\x9b6n\x9d0;C1-TITLE\x9c\x90DCS\x9c"
HOSTILE = OSC0 + OSC52 + OSC8 + CSI + C1

FORBIDDEN = [
    b"PWNED-TITLE", b"\x1b]52;", b"cm0gLXJmIH4=", b"evil.example", b"\x1b[6n", b"\x1b[20h",
    b"\x1b[5i", "\x9b".encode(), "\x9d".encode(), "\x90".encode(), "\x9c".encode(),
]  # fmt: skip


@contextmanager
def _reader_on_a_terminal(
    args: list[str], env: dict[str, str], size: tuple[int, int]
) -> Iterator[tuple[int, bytearray]]:
    """The reader on a pseudo-terminal of ``size`` (rows, columns), with ``env`` over the
    environment (NO_COLOR and TERM only from it): its pty's master and everything it wrote.
    It must have quit by the end of the block; it is killed if it has not."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsreader", *args],
        stdin=slave, stdout=slave, stderr=slave, env={**base, **env}, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    output = bytearray()
    try:
        yield master, output
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        os.close(master)


def _feed(path: Path) -> None:
    item = (
        f"<item><title>Harbour{HOSTILE} story</title><link>https://ok.example/1</link>"
        f"<guid>1</guid><author>desk@ok.example (Desk{HOSTILE})</author>"
        f"<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description><![CDATA[<p>Body{HOSTILE} text <a href='https://ok.example/r'>ref"
        f"{HOSTILE}</a></p><figure><img src='https://ok.example/i.jpg'><figcaption>Cap"
        f"{HOSTILE}tion</figcaption></figure>]]></description></item>"
    )
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed{HOSTILE}</title><link>https://ok.example/</link>{item}</channel></rss>"
    )
    # raw control bytes, as a hostile server sends them (XML forbids them; the parser recovers)
    path.write_bytes(xml.encode("utf-8"))


def _json_article(folder: Path) -> None:
    """JSON holds every control character legitimately (\\u001b, \\u009b): the purest vehicle."""
    folder.mkdir()
    article = {
        "title": f"Ferry{HOSTILE} news",
        "author": f"Desk{HOSTILE}",
        "published": "2026-11-02T09:00:00Z",
        "url": "https://ok.example/2",
        "text": f"Ferry body{HOSTILE} text.\n\nSecond{HOSTILE} paragraph.",
        "sources": [f"Wire{HOSTILE} (Port{HOSTILE})"],
        "captions": [{"text": f"Ferry cap{HOSTILE}", "credit": f"Photo{HOSTILE}"}],
        "related": [{"title": f"Rel{HOSTILE}", "url": "https://ok.example/3"}],
    }
    (folder / "a.json").write_text(json.dumps(article), encoding="utf-8")


def _read(fd: int, until: float, want: bytes | None, sink: bytearray) -> bool:
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            sink.extend(chunk)
            if want is not None and want in sink:
                return True
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_hostile_escapes_never_reach_the_terminal(tmp_path: Path) -> None:
    feed = tmp_path / "hostile.xml"
    _feed(feed)
    data = tmp_path / "data"
    _json_article(tmp_path / "articles")
    with Store(data / "newsreader.db") as store:
        sources = [store.add_feed(str(feed)), store.add_feed(str(tmp_path / "articles"))]
        outcomes = refresh_all(store, sources)
        assert not any(o.error for o in outcomes), outcomes
        stored = store.rows_at(0, 5)
        assert len(stored) == 2 and not any("PWNED" in r.title for r in stored)
    env = {"TERM": "xterm-256color", "COLUMNS": "110", "LINES": "30"}
    args = ["--data-dir", str(data), "--bookmarks", str(tmp_path / "b.json")]
    with _reader_on_a_terminal(args, env, (30, 110)) as (master, output):
        assert _read(master, time.monotonic() + 20, b"Harbour", output), output[-2000:]
        os.write(master, b"\r")  # open the article: headline, body, caption, links, sources
        assert _read(master, time.monotonic() + 10, b"Sources", output), output[-2000:]
        os.write(master, b"\x1b")  # back to the list, then the JSON article
        _read(master, time.monotonic() + 1, None, output)
        os.write(master, b"j")
        _read(master, time.monotonic() + 1, None, output)
        os.write(master, b"\r")
        assert _read(master, time.monotonic() + 10, b"Second", output), output[-2000:]
        os.write(master, b"q")
        _read(master, time.monotonic() + 10, None, output)
    for needle in FORBIDDEN:
        assert needle not in output, f"{needle!r} reached the terminal"
    assert b"Body" in output and b"Cap" in output and b"Ferry cap" in output


@pytest.mark.parametrize("env", [{"NO_COLOR": "1", "TERM": "xterm-256color"}, {"TERM": "vt100"}])
def test_no_colour_reaches_a_terminal_that_asks_for_none(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """NO_COLOR, or a terminal without colours: not one colour code (Textual's monochrome drew
    256-colour greys), and the cursor row still shows (reverse video)."""
    import re

    with _reader_on_a_terminal(["--demo"], env, (24, 80)) as (master, output):
        assert _read(master, time.monotonic() + 30, b"Valley Courier", output), output[-2000:]
        os.write(master, b"j\r")
        assert _read(master, time.monotonic() + 10, b"Also reported by", output), output[-2000:]
        os.write(master, b"Q")
        _read(master, time.monotonic() + 10, None, output)
    codes = re.findall(rb"\x1b\[([0-9;]*)m", bytes(output))
    colours = [
        c for c in codes
        if re.search(rb"(?:^|;)(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;|$)", c)
    ]  # fmt: skip
    assert not colours, colours[:5]
    assert any(re.search(rb"(?:^|;)7(?:;|$)", c) for c in codes)  # the cursor, in reverse
