"""The bookmarks file the user owns (``{"version": 1, "bookmarks": [...]}``), written so that
nothing is ever lost.

Saving re-reads the file under an exclusive lock on a sidecar lock file, merges, writes a temp
file in the same directory, fsyncs it, keeps one ``.bak`` of the previous version, replaces the
file atomically and fsyncs the directory: two instances never lose each other's bookmarks and a
crash never leaves a partial file. A file that cannot be read is moved aside to
``bookmarks.json.corrupt-<time>`` before anything is written, never overwritten. A symlinked file
stays a symlink (its target is written).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from newsreader.bookmarks.codec import MAX_FILE_BYTES, BookmarkFileError, LoadResult, dumps, parse
from newsreader.models import Bookmark
from newsreader.sources.safefiles import FileRefused, read_regular_file


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
