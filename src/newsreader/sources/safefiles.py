"""Reading the user's files: regular files only, bounded, never a device, a FIFO or /proc.

Every file newsreader reads on the user's behalf (a feed file, an article folder, an OPML or
bookmarks file to import) goes through :func:`read_regular_file`: it opens without blocking (a
FIFO would wait for a writer forever), checks the opened file is a regular one, refuses the
kernel's pseudo filesystems (``/proc/self/environ`` is a "regular file" holding secrets) and
reads at most the cap, whatever size the file claims. :func:`walk_folder` lists an article
folder iteratively, bounded in depth and count, and never follows a link out of the folder.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from newsreader.models import NewsreaderError
from newsreader.text.phrases import size_text
from newsreader.text.sanitize import clean_line

PSEUDO_FILESYSTEMS = ("/proc", "/sys", "/dev")
MAX_DEPTH = 16  # folders below an article folder
MAX_ENTRIES = 200_000  # directory entries looked at in one walk


class FileRefused(NewsreaderError):
    """A file that is not read: ``str()`` is the one-line reason, without the name."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def in_pseudo_filesystem(path: str | os.PathLike[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == top or real.startswith(top + "/") for top in PSEUDO_FILESYSTEMS)


def check_source_path(path: Path) -> None:
    """A path that may be subscribed to: a regular file or a folder, outside /proc, /sys and
    /dev. Raises :class:`FileRefused`."""
    if in_pseudo_filesystem(path):
        raise FileRefused("a system file or folder (/proc, /sys, /dev) is not a source")
    mode = path.stat().st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise FileRefused(f"{_kind(mode)}, not a file or folder")


def read_regular_file(
    path: str | os.PathLike[str], limit: int, *, follow_symlinks: bool = True
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Raises :class:`FileRefused`
    for anything else, :class:`OSError` when it cannot be opened or read."""
    if in_pseudo_filesystem(path):
        raise FileRefused("a system file (/proc, /sys, /dev) is not read")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileRefused(_kind(mode))
        if os.fstat(fd).st_size > limit:
            raise FileRefused(f"file too large (> {size_text(limit)})")
        parts: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise FileRefused(f"file too large (> {size_text(limit)})")
    finally:
        os.close(fd)
    return b"".join(parts)


@dataclass
class FolderListing:
    """The article files of a folder, sorted, with what was left out and why."""

    files: list[tuple[Path, int, int]] = field(default_factory=list)  # path, mtime_ns, size
    skipped: list[str] = field(default_factory=list)  # one line each


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def walk_folder(
    directory: Path, suffixes: tuple[str, ...], max_files: int, max_depth: int = MAX_DEPTH
) -> FolderListing:
    """The files under ``directory`` whose names end in one of ``suffixes``: hidden files and
    folders skipped, at most ``max_depth`` levels down and ``max_files`` files (the first in
    name order); a link is read only when it resolves to a regular file inside the folder, and
    a linked folder is never entered (no loops, no way out)."""
    listing = FolderListing()
    root = os.path.realpath(directory)
    found: list[tuple[str, int, int]] = []
    too_deep = links_out = not_regular = 0
    seen = 0
    stack: list[tuple[str, int]] = [(str(directory), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            listing.skipped.append(f"{_relative(folder, directory)}: {exc.strerror or exc}")
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                listing.skipped.append(
                    f"the folder holds more than {MAX_ENTRIES:,} entries: the rest were not read"
                )
                stack.clear()
                break
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_symlink():
                    if not entry.name.lower().endswith(suffixes):
                        continue  # a linked folder is never entered
                    target = os.path.realpath(entry.path)
                    if not _inside(target, root):
                        links_out += 1
                        continue
                    info = os.stat(target)
                    if not stat.S_ISREG(info.st_mode):
                        not_regular += 1
                        continue
                    found.append((entry.path, info.st_mtime_ns, info.st_size))
                elif entry.is_dir(follow_symlinks=False):
                    if depth + 1 > max_depth:
                        too_deep += 1
                    else:
                        stack.append((entry.path, depth + 1))
                elif entry.name.lower().endswith(suffixes):
                    info = entry.stat(follow_symlinks=False)
                    if not stat.S_ISREG(info.st_mode):
                        not_regular += 1
                        continue
                    found.append((entry.path, info.st_mtime_ns, info.st_size))
            except OSError as exc:
                listing.skipped.append(f"{_relative(entry.path, directory)}: {exc.strerror}")
    found.sort()
    if len(found) > max_files:
        listing.skipped.append(
            f"only the first {max_files:,} of {len(found):,} article files were read"
        )
    if links_out:
        listing.skipped.append(f"{links_out} links out of the folder were not followed")
    if not_regular:
        listing.skipped.append(f"{not_regular} entries are not regular files (FIFOs, devices)")
    if too_deep:
        listing.skipped.append(f"{too_deep} folders more than {max_depth} levels down were skipped")
    listing.files = [(Path(p), mtime, size) for p, mtime, size in found[:max_files]]
    return listing


def _relative(path: str, directory: Path) -> str:
    """A name for a warning line: file names are untrusted text."""
    try:
        name = Path(path).relative_to(directory).as_posix() or "."
    except ValueError:
        name = path
    return clean_line(name)


def inside_folder(path: str | os.PathLike[str], root: str) -> str | None:
    """``path`` resolved, when it lies inside the resolved folder ``root``; else None."""
    real = os.path.realpath(path)
    return real if _inside(real, root) else None
