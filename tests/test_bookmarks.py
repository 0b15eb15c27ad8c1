"""Bookmarks on real files in tmp dirs: round trip, bad files, two writers, crashes, symlinks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsreader import bookmarks as bm
from newsreader.bookmarks import BookmarkFile
from newsreader.models import Bookmark, Caption, SourceKind, SourceRef


def sample(n: int = 0, **fields: object) -> Bookmark:
    values: dict[str, object] = {
        "url": f"https://site.example/{n}",
        "title": f"Story {n} & <more>",
        "feed_title": "Harbour Gazette",
        "author": "Mara Quist",
        "published": 1_790_000_000.0,
        "summary": "A summary.",
        "captions": (Caption("Waves on the wall", "Jonas Veld", "https://img.example/1.jpg"),),
        "sources": (SourceRef(SourceKind.AGENCY, "DW", "", "Cologne"),),
        "saved_at": 1_790_000_100.0,
        "tags": ("storm",),
        "note": "read later",
    }
    values.update(fields)
    return Bookmark(**values)  # type: ignore[arg-type]


def test_round_trip_and_stable_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "bookmarks.json"
    book = BookmarkFile(path)
    book.add(sample(1))
    book.add(sample(2))
    book.add(sample(1, tags=("later",), note=""))  # the same URL again: merged, not doubled
    loaded = BookmarkFile(path).load()
    assert not loaded.problem
    assert [b.url for b in loaded.bookmarks] == ["https://site.example/2", "https://site.example/1"]
    assert (
        loaded.bookmarks[1].tags == ("storm", "later") and loaded.bookmarks[1].note == "read later"
    )
    assert loaded.bookmarks[0] == sample(2)
    text = path.read_text()
    document = json.loads(text)
    assert document["version"] == 1 and text.startswith('{\n  "bookmarks": [')
    assert list(document["bookmarks"][0]) == sorted(document["bookmarks"][0])
    assert (tmp_path / "bookmarks.json.bak").exists()
    book.remove("https://site.example/2")
    assert [b.url for b in BookmarkFile(path).load().bookmarks] == ["https://site.example/1"]


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"\xff\xfe not utf-8", "is not UTF-8"),
        (b"{not json", "is not valid JSON"),
        (b'{"bookmarks": "nope"}', 'no "bookmarks" list'),
        (b"[" * 5000 + b"]" * 5000, "nested deeper"),
        (
            b'{"bookmarks": [{"url": "https://a.example/", "published": ' + b"9" * 5000 + b"}]}",
            "not valid JSON",
        ),
    ],
)
def test_unreadable_file_is_reported_and_moved_aside_before_writing(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "bookmarks.json"
    path.write_bytes(content)
    book = BookmarkFile(path)
    result = book.load()
    assert problem in result.problem and str(path) in result.problem
    assert "\n" not in result.problem
    assert path.read_bytes() == content  # loading never rewrites it
    book.add(sample(1))
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert "moved to" in book.messages[0]
    assert [b.url for b in BookmarkFile(path).load().bookmarks] == ["https://site.example/1"]


def test_too_large_file_and_directory_in_its_place(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    assert "file too large (> 20 MiB)" in BookmarkFile(big).load().problem
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert "is a directory" in BookmarkFile(folder).load().problem


def test_bad_entries_are_skipped_counted_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "bookmarks.json"
    good = bm.to_json(sample(1))
    bad = [
        {"url": 5},
        {"title": "no url"},
        {"url": "https://b.example/", "tags": "not a list"},
        "text",
    ]
    path.write_text(json.dumps({"version": 1, "bookmarks": [good, *bad]}))
    book = BookmarkFile(path)
    result = book.load()
    assert [b.url for b in result.bookmarks] == [good["url"]] and result.skipped == 4
    assert "4 bookmarks with bad fields were skipped" in result.problem
    book.add(sample(2))
    saved = json.loads(path.read_text())["bookmarks"]
    assert all(entry in saved for entry in bad)  # a save never drops what it could not read


def test_read_only_file_keeps_bookmarks_in_memory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes through read-only permissions")
    path = tmp_path / "bookmarks.json"
    BookmarkFile(path).add(sample(1))
    tmp_path.chmod(0o555)
    try:
        book = BookmarkFile(path)
        book.add(sample(2))
        assert "cannot save bookmarks" in book.messages[0]
        assert len(book.load().bookmarks) == 2
    finally:
        tmp_path.chmod(0o755)


def test_read_only_directory_as_root_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bookmarks.json"
    BookmarkFile(path).add(sample(1))

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    book = BookmarkFile(path)
    book.add(sample(2))
    assert "cannot save bookmarks" in book.messages[0]
    assert len(book.load().bookmarks) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_symlink_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "sync" / "bookmarks.json"
    real.parent.mkdir()
    link = tmp_path / "bookmarks.json"
    link.symlink_to(real)
    BookmarkFile(link).add(sample(1))
    BookmarkFile(link).add(sample(2))
    assert link.is_symlink() and real.is_file()
    assert len(BookmarkFile(real).load().bookmarks) == 2


WRITER = textwrap.dedent(
    """
    import sys
    from newsreader.bookmarks import BookmarkFile
    from newsreader.models import Bookmark
    path, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    book = BookmarkFile(path)
    for i in range(count):
        book.add(Bookmark(url=f"https://{prefix}.example/{i}", title=f"{prefix} {i}", saved_at=i))
    """
)


@pytest.mark.slow
def test_two_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bookmarks.json"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "200"])
        for name in ("one", "two")
    ]
    for proc in procs:
        assert proc.wait(timeout=180) == 0
    urls = {b.url for b in BookmarkFile(path).load().bookmarks}
    assert len(urls) == 400


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from newsreader.bookmarks import BookmarkFile
    from newsreader.models import Bookmark
    path, step = sys.argv[1], sys.argv[2]
    real = {"fsync": os.fsync, "replace": os.replace, "open": open}
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    class HalfWritten:
        def __init__(self, handle):
            self.handle = handle
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.handle.close()
        def fileno(self):
            return self.handle.fileno()
        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            die()
    if step == "temp-half-written":
        import builtins
        def opened(name, mode="r", *args, **kwargs):
            handle = real["open"](name, mode, *args, **kwargs)
            return HalfWritten(handle) if str(name).endswith(".tmp") else handle
        builtins.open = opened
    elif step == "before-replace":
        os.replace = lambda *a: die()
    elif step == "after-replace":
        def replaced(*a):
            real["replace"](*a); die()
        os.replace = replaced
    elif step == "before-directory-sync":
        def synced(fd):
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                die()
            real["fsync"](fd)
        os.fsync = synced
    BookmarkFile(path).add(Bookmark(url="https://new.example/", title="new", saved_at=1))
    sys.exit(3)  # never reached: the writer dies at its step
    """
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "step", ["temp-half-written", "before-replace", "after-replace", "before-directory-sync"]
)
def test_a_writer_killed_at_any_step_never_leaves_a_broken_file(tmp_path: Path, step: str) -> None:
    """The writer is killed at each dangerous moment of a save (not after a random sleep):
    the file reads whole, with either the old bookmarks or the new one, never a mix."""
    path = tmp_path / "bookmarks.json"
    BookmarkFile(path).add(sample(1))
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path), step], timeout=60)
    assert done.returncode == -signal.SIGKILL
    result = BookmarkFile(path).load()
    assert not result.problem, result.problem
    urls = [b.url for b in result.bookmarks]
    assert sorted(urls) in ([sample(1).url], sorted([sample(1).url, "https://new.example/"]))
    BookmarkFile(path).add(sample(2))  # the next save clears what the killed writer left
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(BookmarkFile(path).load().bookmarks) == len(urls) + 1


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


def test_exports_parse_back(tmp_path: Path) -> None:
    items = [sample(1), sample(2, title='Quote " and <tag>', tags=())]
    netscape = bm.export(items, "netscape")
    assert netscape.startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    parser = _Links()
    parser.feed(netscape)
    assert parser.hrefs == [b.url for b in items]
    back = bm.import_file(netscape.encode(), "export.html")
    assert [(b.url, b.title) for b in back] == [(b.url, b.title) for b in items]
    assert back[0].tags == ("storm",)
    assert bm.parse(bm.export(items, "json").encode(), "x").bookmarks == items
    markdown = bm.export(items, "md")
    assert "Waves on the wall — Jonas Veld" in markdown and "DW (Cologne)" in markdown
    assert "\\<tag\\>" in markdown
    page = bm.export(items, "html")
    assert "&lt;tag&gt;" in page and "<tag>" not in page
