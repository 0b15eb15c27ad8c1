"""Bookmarks: one human-readable JSON file the user owns (``{"version": 1, "bookmarks": [...]}``).

Saving re-reads the file under an exclusive lock on a sidecar lock file, merges, writes a temp
file in the same directory, fsyncs it, keeps one ``.bak`` of the previous version, replaces the
file atomically and fsyncs the directory: two instances never lose each other's bookmarks and a
crash never leaves a partial file. A file that cannot be read is moved aside to
``bookmarks.json.corrupt-<time>`` before anything is written, never overwritten; entries with bad
fields are skipped and counted. A symlinked file stays a symlink (its target is written).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from newsreader.errors import NewsreaderError
from newsreader.models import Article, Bookmark, Caption, SourceKind, SourceRef
from newsreader.sources.safefiles import FileRefused, read_regular_file
from newsreader.text.phrases import size_text
from newsreader.text.sanitize import clean_line, clean_text, clean_url

VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64


@dataclass
class LoadResult:
    bookmarks: list[Bookmark] = field(default_factory=list)
    skipped: int = 0
    problem: str = ""  # one line, naming the file, when it could not be read
    unreadable_entries: list[Any] = field(default_factory=list)  # written back as they were


class BookmarkFileError(NewsreaderError):
    """The file could not be read or written; ``str()`` is the one line to show."""


def snapshot(
    article: Article, feed_title: str, tags: Sequence[str] = (), note: str = ""
) -> Bookmark:
    """A bookmark outlives the cached article: it keeps what the reading pane needs."""
    return Bookmark(
        url=article.url or article.guid,
        title=article.title,
        feed_title=feed_title,
        author=article.author,
        published=article.published,
        summary=article.summary,
        captions=article.captions,
        sources=tuple(s for s in article.sources if s.kind is not SourceKind.LINK),
        saved_at=time.time(),
        tags=tuple(tags),
        note=note,
    )


# -- (de)serialising ------------------------------------------------------------------------


def to_json(bookmark: Bookmark) -> dict[str, Any]:
    return {
        "url": bookmark.url,
        "title": bookmark.title,
        "feed_title": bookmark.feed_title,
        "author": bookmark.author,
        "published": bookmark.published,
        "summary": bookmark.summary,
        "captions": [asdict(c) for c in bookmark.captions],
        "sources": [asdict(s) for s in bookmark.sources],
        "saved_at": bookmark.saved_at,
        "tags": list(bookmark.tags),
        "note": bookmark.note,
    }


def _string(entry: dict[str, Any], key: str, required: bool = False) -> str:
    value = entry.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(key)
    return value


def _number(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > 1e11:
        raise ValueError(key)
    return float(value)


def from_json(entry: Any) -> Bookmark:
    """One entry; ValueError when a field is missing or of the wrong type."""
    if not isinstance(entry, dict):
        raise ValueError("entry")
    captions = []
    for c in entry.get("captions", []) or []:
        if not isinstance(c, dict):
            raise ValueError("captions")
        captions.append(
            Caption(
                clean_line(_string(c, "text")), clean_line(_string(c, "credit")),
                clean_url(_string(c, "image_url")), clean_line(_string(c, "alt")),
            )
        )  # fmt: skip
    sources = []
    for s in entry.get("sources", []) or []:
        if not isinstance(s, dict):
            raise ValueError("sources")
        sources.append(
            SourceRef(
                SourceKind(_string(s, "kind") or "agency"), clean_line(_string(s, "name")),
                clean_url(_string(s, "url")), clean_line(_string(s, "place")),
            )
        )  # fmt: skip
    tags = entry.get("tags", []) or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("tags")
    url = clean_url(_string(entry, "url", required=True))
    return Bookmark(
        url=url,
        title=clean_line(_string(entry, "title")) or url,
        feed_title=clean_line(_string(entry, "feed_title")),
        author=clean_line(_string(entry, "author")),
        published=_number(entry, "published"),
        summary=clean_text(_string(entry, "summary")),
        captions=tuple(captions),
        sources=tuple(sources),
        saved_at=_number(entry, "saved_at") or 0.0,
        tags=tuple(clean_line(t) for t in tags if clean_line(t)),
        note=clean_text(_string(entry, "note")),
    )


def dumps(bookmarks: Sequence[Bookmark], unreadable: Sequence[Any] = ()) -> str:
    entries = [to_json(b) for b in bookmarks] + list(unreadable)
    document = {"version": VERSION, "bookmarks": entries}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse(data: bytes, name: str) -> LoadResult:
    """Raises BookmarkFileError (naming the file) for a file that cannot be read at all."""
    from newsreader.errors import FeedError
    from newsreader.feeds.jsonfeed import check_depth

    if len(data) > MAX_FILE_BYTES:
        raise BookmarkFileError(f"{name}: file too large (> {size_text(MAX_FILE_BYTES)})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BookmarkFileError(f"{name} is not UTF-8 (byte {exc.start})") from None
    try:
        check_depth(data, MAX_DEPTH)
        document = json.loads(text)
    except FeedError as exc:
        raise BookmarkFileError(f"{name}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise BookmarkFileError(f"{name} is not valid JSON ({clean_line(str(exc))[:80]})") from None
    if isinstance(document, list):  # a bare list of entries is accepted too
        document = {"version": VERSION, "bookmarks": document}
    if not isinstance(document, dict) or not isinstance(document.get("bookmarks"), list):
        raise BookmarkFileError(f'{name} has no "bookmarks" list')
    result = LoadResult()
    seen: set[str] = set()
    for entry in document["bookmarks"]:
        try:
            bookmark = from_json(entry)
        except (ValueError, TypeError, KeyError):
            result.skipped += 1
            result.unreadable_entries.append(entry)
            continue
        if bookmark.url not in seen:
            seen.add(bookmark.url)
            result.bookmarks.append(bookmark)
    return result


# -- the file -------------------------------------------------------------------------------


class ReadOnlyFile(PermissionError):
    """The bookmarks file has no write permission: the user's "do not write", root or not."""


class BookmarkFile:
    def __init__(self, path: Path, *, keep_in_memory: bool = True) -> None:
        """``keep_in_memory``: when the file cannot be saved, the bookmarks live on for the
        session (the reader); without it (a one-shot command) a failed save raises
        :class:`BookmarkFileError`."""
        self.path = Path(path)
        self.keep_in_memory = keep_in_memory
        self.memory: list[Bookmark] | None = None  # used when the file cannot be saved
        self.messages: list[str] = []

    @property
    def target(self) -> Path:
        """The file written: a symlink's target, so the link stays a link."""
        return self.path.resolve() if self.path.is_symlink() else self.path

    @contextmanager
    def _locked(self) -> Iterator[None]:
        target = self.target
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.with_name(target.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> LoadResult:
        target = self.target
        name = str(self.path)
        if not target.exists() and not target.is_symlink():
            return LoadResult()
        if target.is_dir():
            raise BookmarkFileError(f"{name} is a directory, not a bookmarks file")
        try:
            data = read_regular_file(target, MAX_FILE_BYTES)
        except FileRefused as exc:
            raise BookmarkFileError(f"{name}: {exc}") from None
        except OSError as exc:
            raise BookmarkFileError(f"cannot read {name}: {exc.strerror or exc}") from None
        return parse(data, name)

    def _move_aside(self, reason: str) -> None:
        target = self.target
        if target.is_dir() or not target.is_file():  # the user's folder (or device): not ours
            raise BookmarkFileError(f"{reason}; nothing was written")
        aside = target.with_name(f"{target.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        counter = 1
        while aside.exists():
            aside = aside.with_name(f"{aside.name.split('~')[0]}~{counter}")
            counter += 1
        try:
            os.replace(target, aside)
            self.messages.append(f"{reason}; it was moved to {aside}")
        except OSError as exc:
            raise BookmarkFileError(
                f"{reason}, and it cannot be moved aside ({exc.strerror})"
            ) from None

    def _remove_stale_temp_files(self) -> None:
        """Temp files of writers that died (killed mid-save): never the bookmarks file."""
        target = self.target
        for temp in target.parent.glob(f".{target.name}.*.tmp"):
            pid = temp.name[len(target.name) + 2 : -4]
            if not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                temp.unlink(missing_ok=True)
            except PermissionError:
                pass  # alive, someone else's

    def load(self) -> LoadResult:
        """Read the file; a broken one is reported (never overwritten) and its good entries kept
        when there are any."""
        if self.memory is not None:
            return LoadResult(list(self.memory))
        try:
            result = self._read()
        except BookmarkFileError as exc:
            return LoadResult(problem=str(exc))
        if result.skipped:
            result.problem = f"{self.path}: {result.skipped} bookmarks with bad fields were skipped"
        return result

    def _write(self, bookmarks: Sequence[Bookmark], unreadable: Sequence[Any] = ()) -> None:
        """Replace the file, keeping its mode and owner; a read-only file is the user's
        "do not write" (:class:`ReadOnlyFile`)."""
        target = self.target
        try:
            old = target.stat()
        except FileNotFoundError:
            old = None
        if old is not None and not old.st_mode & 0o222:
            raise ReadOnlyFile(f"{self.path} is read-only")
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        data = dumps(bookmarks, unreadable).encode("utf-8")
        try:
            with open(temp, "wb") as handle:
                if old is not None:
                    os.fchmod(handle.fileno(), stat.S_IMODE(old.st_mode))
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(handle.fileno(), old.st_uid, old.st_gid)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if old is not None:
                backup = target.with_name(target.name + ".bak")
                shutil.copy2(target, backup)
            os.replace(temp, target)
            directory = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError:
            temp.unlink(missing_ok=True)
            raise

    def update(self, change: Callable[[list[Bookmark]], list[Bookmark]]) -> list[Bookmark]:
        """Re-read, apply ``change``, save; all under the lock. When the file cannot be written
        the bookmarks live on in memory and the user is told once (or, without
        ``keep_in_memory``, :class:`BookmarkFileError` says why)."""
        if self.memory is not None:
            self.memory = change(list(self.memory))
            return self.memory
        changed: list[Bookmark] | None = None
        try:
            if self.target.is_dir():  # the user's folder: nothing is written beside it either
                raise BookmarkFileError(
                    f"{self.path} is a directory, not a bookmarks file; nothing was written"
                )
            with self._locked():
                try:
                    read = self._read()
                except BookmarkFileError as exc:
                    self._move_aside(str(exc))
                    read = LoadResult()
                changed = change(read.bookmarks)
                self._remove_stale_temp_files()
                self._write(changed, read.unreadable_entries)
        except (OSError, BookmarkFileError) as exc:
            if isinstance(exc, ReadOnlyFile):
                reason = f"{exc}; make it writable to save bookmarks"
            elif isinstance(exc, OSError):
                reason = f"cannot save bookmarks to {self.path} ({exc.strerror or exc})"
            else:
                reason = str(exc)
            if not self.keep_in_memory:
                raise BookmarkFileError(reason) from None
            self.memory = changed if changed is not None else change([])
            self.messages.append(f"{reason}; they are kept for this session only")
            return self.memory
        return changed

    def add(self, bookmark: Bookmark) -> list[Bookmark]:
        def change(items: list[Bookmark]) -> list[Bookmark]:
            kept = [b for b in items if b.url != bookmark.url]
            old = next((b for b in items if b.url == bookmark.url), None)
            if old is not None:  # keep the user's tags and note
                tags = tuple(dict.fromkeys((*old.tags, *bookmark.tags)))
                merged = replace(bookmark, tags=tags, note=bookmark.note or old.note)
                return [*kept, merged]
            return [*kept, bookmark]

        return self.update(change)

    def remove(self, url: str) -> list[Bookmark]:
        return self.update(lambda items: [b for b in items if b.url != url])


# -- export and import ----------------------------------------------------------------------


def _html(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def export(bookmarks: Sequence[Bookmark], fmt: str) -> str:
    """``md`` (a reading list with captions and sources), ``html`` (the same as a page),
    ``json`` (this file's format) or ``netscape`` (the bookmark file browsers import)."""
    if fmt == "json":
        return dumps(bookmarks)
    if fmt == "netscape":
        lines = [
            "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
            '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
            "<TITLE>Bookmarks</TITLE>",
            "<H1>Bookmarks</H1>",
            "<DL><p>",
        ]
        for b in bookmarks:
            tags = f' TAGS="{_html(",".join(b.tags))}"' if b.tags else ""
            lines.append(
                f'    <DT><A HREF="{_html(b.url)}" ADD_DATE="{int(b.saved_at)}"{tags}>'
                f"{_html(b.title)}</A>"
            )
            if b.note or b.summary:
                lines.append(f"    <DD>{_html(b.note or b.summary)}")
        lines.append("</DL><p>")
        return "\n".join(lines) + "\n"
    if fmt == "md":
        out = ["# Reading list", ""]
        for b in bookmarks:
            out.append(f"## [{_md(b.title)}](<{b.url}>)")
            meta = " · ".join(p for p in (b.feed_title, b.author, _date(b.published)) if p)
            if meta:
                out.append(f"*{_md(meta)}*")
            out.append("")
            if b.summary:
                out += [_md(b.summary), ""]
            for c in b.captions:
                credit = f" — {_md(c.credit)}" if c.credit else ""
                words = f": {_md(c.text or c.alt)}" if c.text or c.alt else ""
                out.append(f"> Image{words}{credit}")
            if b.captions:
                out.append("")
            for s in b.sources:
                place = f" ({_md(s.place)})" if s.place else ""
                link = f" <{s.url}>" if s.url else ""
                out.append(f"- {s.kind.value}: {_md(s.name)}{place}{link}")
            if b.tags:
                out.append(f"- tags: {_md(', '.join(b.tags))}")
            if b.note:
                out.append(f"- note: {_md(b.note)}")
            out.append("")
        return "\n".join(out)
    if fmt == "html":
        out = ['<!DOCTYPE html>', '<html><head><meta charset="utf-8"><title>Reading list</title>',
               "</head><body>", "<h1>Reading list</h1>"]  # fmt: skip
        for b in bookmarks:
            out.append(f'<article><h2><a href="{_html(b.url)}">{_html(b.title)}</a></h2>')
            meta = " · ".join(p for p in (b.feed_title, b.author, _date(b.published)) if p)
            out.append(f"<p><em>{_html(meta)}</em></p>")
            if b.summary:
                out.append(f"<p>{_html(b.summary)}</p>")
            for c in b.captions:
                credit = f" — {_html(c.credit)}" if c.credit else ""
                out.append(
                    f"<figure><figcaption>{_html(c.text or c.alt)}{credit}</figcaption></figure>"
                )
            if b.sources:
                items = "".join(
                    f"<li>{_html(s.kind.value)}: {_html(s.name or s.url)}</li>" for s in b.sources
                )
                out.append(f"<ul>{items}</ul>")
            out.append("</article>")
        out.append("</body></html>")
        return "\n".join(out) + "\n"
    raise ValueError(f"unknown export format {fmt!r}")


def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)


def _date(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch)) if epoch else ""


def import_file(data: bytes, name: str) -> list[Bookmark]:
    """Our JSON format, or a Netscape bookmark file (as browsers export it)."""
    head = data[:1024].lstrip().lower()
    if head.startswith(b"{") or head.startswith(b"["):
        return parse(data, name).bookmarks
    from html.parser import HTMLParser

    found: list[Bookmark] = []

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.current: dict[str, str] | None = None
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.current = {k: v or "" for k, v in attrs}
                self.text = []

        def handle_data(self, data: str) -> None:
            if self.current is not None:
                self.text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self.current is not None:
                url = clean_url(self.current.get("href", ""))
                if url:
                    added = self.current.get("add_date", "")
                    tags = [t for t in self.current.get("tags", "").split(",") if t.strip()]
                    found.append(
                        Bookmark(
                            url=url,
                            title=clean_line("".join(self.text)) or url,
                            saved_at=float(added)
                            if added.isascii() and added.isdigit()
                            else time.time(),
                            tags=tuple(clean_line(t) for t in tags),
                        )
                    )
                self.current = None

    reader = Reader()
    reader.feed(data.decode("utf-8", "replace"))
    reader.close()
    return found
