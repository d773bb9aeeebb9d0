"""Local files opened once, as regular files, and never through a link that leaves a root.

The worker reads files in the folders it polls (HOTELREVIEWS_WORKER_SOURCES), and anyone
who can write there, or queue a path, chooses what it opens. So a local source is resolved
(links and ".." followed) and its real path must be under one of the roots; it is then
opened one path component at a time from that root with O_NOFOLLOW, so a component swapped
for a link after the check fails the open instead of leading elsewhere. The descriptor is
the only way to the file from then on: the checksum pass and every ingest pass read it,
never the path again (no time-of-check/time-of-use gap). Only a regular file is accepted:
a named pipe would block the reader and a device could be read forever.

`hotelreviews ingest PATH` (an operator's own command) passes no roots: its path may be
anywhere and follow links, but it is still opened once and must be a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from hotelreviews.ingestion.sources.errors import SourceError

_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC
# What opening a link with O_NOFOLLOW, or a file where a directory was, fails with.
_REPLACED = (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)
_KINDS = {
    stat.S_IFDIR: "is a directory, expected a file",
    stat.S_IFIFO: "is a named pipe, expected a regular file (give - to read standard input)",
    stat.S_IFSOCK: "is a socket, expected a regular file",
    stat.S_IFCHR: "is a device, expected a regular file",
    stat.S_IFBLK: "is a device, expected a regular file",
}


class OpenedFile:
    """A regular file opened once: read from its start, never past the size it was
    checksummed at (bytes appended later are not part of this source)."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        self._file = file
        self.size = size
        self._left = size

    def rewind(self, *, size: int | None = None) -> None:
        """Read again from the first byte (up to `size`, when given, from now on)."""
        self._file.seek(0)
        if size is not None:
            self.size = size
        self._left = self.size

    def read(self, size: int = -1, /) -> bytes:
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        data = self._file.read(wanted) if wanted else b""
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()


def open_regular_file(path: str, *, roots: Sequence[Path] | None = None) -> OpenedFile:
    """Open `path` once for reading, refusing anything but a regular file; with `roots`,
    refusing a path whose real location is not under one of them."""
    if roots is None:
        descriptor = _open(path, lambda: os.open(path, _FILE_FLAGS & ~os.O_NOFOLLOW))
    else:
        real, root = real_path_under(path, roots)
        descriptor = _open(path, lambda: _open_beneath(root, real), beneath=True)
    try:
        info = os.fstat(descriptor)
        kind = stat.S_IFMT(info.st_mode)
        if kind != stat.S_IFREG:
            raise SourceError(f"{path}: {_KINDS.get(kind, 'is not a regular file')}")
        os.set_blocking(descriptor, True)
        file = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    return OpenedFile(file, info.st_size)


def real_path_under(path: str | Path, roots: Sequence[Path]) -> tuple[Path, Path]:
    """The real path of `path` (links and ".." resolved) and the root it is under; a
    SourceError "refused: …" saying why when it is under none of `roots`."""
    real = Path(os.path.realpath(path))
    for root in roots:
        if real.is_relative_to(root) and real != root:
            return real, root
    raise SourceError(f"refused: {why_outside(path, roots)}")


def why_outside(path: str | Path, roots: Sequence[Path]) -> str | None:
    """Why `path` is not a file really inside one of `roots` (resolved folders), in words
    that say what to do; None when it is."""
    real = Path(os.path.realpath(path))
    if any(real.is_relative_to(root) and real != root for root in roots):
        return None
    if real in roots:
        return f"{path} is a polled folder, expected a file in it"
    if any(Path(os.path.abspath(path)).is_relative_to(root) for root in roots):
        how = "is a symbolic link" if os.path.islink(path) else "passes through a symbolic link"
        return (
            f"{path} {how} leading outside the polled folder; only files really inside the"
            " folders in HOTELREVIEWS_WORKER_SOURCES are read: move or copy the file there"
        )
    return f"{path} is not under a folder the worker polls (HOTELREVIEWS_WORKER_SOURCES)"


def _open_beneath(root: Path, real: Path) -> int:
    """Open `real` (a real path under `root`) component by component, following no link."""
    directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        *folders, name = real.relative_to(root).parts
        for folder in folders:
            inner = os.open(folder, _DIRECTORY_FLAGS, dir_fd=directory)
            os.close(directory)
            directory = inner
        return os.open(name, _FILE_FLAGS, dir_fd=directory)
    finally:
        os.close(directory)


def _open(path: str, opener: Callable[[], int], *, beneath: bool = False) -> int:
    try:
        return opener()
    except OSError as error:
        if beneath and error.errno in _REPLACED:
            raise SourceError(
                f"refused: {path} was replaced by a symbolic link (or a link was put on its"
                " way) while it was being opened; only files inside the polled folders are"
                " read"
            ) from error
        raise SourceError(describe_os_error(path, error)) from error


def describe_os_error(name: str, error: OSError) -> str:
    """What went wrong reading `name`, in words that say what to do."""
    if error.errno == errno.ENOENT:
        return f"{name}: no such file or directory"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"{name}: permission denied; check the file's permissions or run as its owner"
    if error.errno == errno.EISDIR:
        return f"{name}: is a directory, expected a file"
    return f"{name}: cannot read ({error.strerror or error})"
