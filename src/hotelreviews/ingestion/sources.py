"""Open what `hotelreviews ingest` is given: files, directories or stdin, plain or gzip.

URIs (s3://bucket/key, s3://bucket/prefix/, http(s)://…, file://…) are accepted wherever a
path is; remote ones are handled by ingestion/remote.py, imported only when one is given.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Protocol, Self

from hotelreviews.ingestion.parsing import MAX_LINE_BYTES
from hotelreviews.ingestion.sniffing import GZIP_MAGIC, SNIFF_BYTES, content_problem, gzip_cause
from hotelreviews.ingestion.streams import CountingReader, Readable

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

REVIEW_SUFFIXES = (".jl", ".jsonl", ".jl.gz", ".jsonl.gz")
STDIN = "-"
CHUNK_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class SourceError(Exception):
    """A source cannot be read; the message names the file and says what to do."""


class SourceUnavailable(SourceError):
    """A source could not be reached or read for a reason that may pass (network, HTTP 5xx,
    throttling, an object replaced while read): the same command later may well succeed."""


class Source(Protocol):
    """What ingestion needs of any source: local file, stdin, S3 object or http(s) URL."""

    uri: str
    display_name: str
    size: int  # bytes as stored (compressed, for gzip)
    checksum: str  # the same for the same content: "already ingested" is decided on it
    compressed: bool

    @property
    def bytes_read(self) -> int:
        """Bytes of `size` read so far by iter_lines (for progress)."""
        ...

    def close(self) -> None: ...


class ClosedOnExit:
    """`with source:` closes it on the way out, whatever kind of source it is."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class LocalSource(ClosedOnExit):
    """A readable local file (stdin is spooled to one), with its size and sha256."""

    def __init__(
        self,
        *,
        path: str,
        uri: str,
        display_name: str,
        size: int,
        checksum: str,
        compressed: bool,
        delete_on_close: bool = False,
    ) -> None:
        self.path = path
        self.uri = uri
        self.display_name = display_name
        self.size = size
        self.checksum = checksum
        self.compressed = compressed
        self._delete_on_close = delete_on_close
        self._reader: CountingReader | None = None

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far by iter_lines (for progress)."""
        return self._reader.count if self._reader else 0

    def close(self) -> None:
        """Delete the spooled copy, if this source owns one."""
        if self._delete_on_close:
            self._delete_on_close = False
            Path(self.path).unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"LocalSource({self.uri!r}, size={self.size}, compressed={self.compressed})"


def expand_paths(args: list[str], *, settings: Settings | None = None) -> list[str]:
    """Files as given, directories expanded to their review files (recursively, sorted);
    an S3 prefix to the review objects under it; other URIs as given."""
    expanded: list[str] = []
    for arg in args:
        if arg == STDIN:
            expanded.append(arg)
            continue
        if _is_uri(arg):
            from hotelreviews.ingestion import remote

            expanded.extend(remote.expand(arg, settings=settings))
            continue
        path = Path(arg)
        if path.is_dir():
            expanded.extend(_review_files(path, arg))
        elif path.exists():
            expanded.append(arg)
        else:
            raise SourceError(f"{arg}: no such file or directory")
    return expanded


def _review_files(directory: Path, arg: str) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(directory, onerror=_raise_walk_error):
        found.extend(os.path.join(root, name) for name in files if name.endswith(REVIEW_SUFFIXES))
    if not found:
        raise SourceError(
            f"{arg}: directory has no review files ({', '.join('*' + s for s in REVIEW_SUFFIXES)})"
        )
    return sorted(found)


def _raise_walk_error(error: OSError) -> None:
    raise SourceError(_describe_os_error(error.filename, error)) from error


def open_source(arg: str, *, settings: Settings | None = None) -> Source:
    """Open one path (or "-" for stdin), checksumming it in a first streaming pass; or one
    URI (s3://, http(s)://, file://), whose metadata gives its size and checksum."""
    if arg == STDIN:
        return spool_stream(sys.stdin.buffer, display_name="<stdin>")
    if _is_uri(arg):
        from hotelreviews.ingestion import remote

        return remote.open_uri(arg, settings=settings)
    if Path(arg).is_dir():
        raise SourceError(f"{arg}: is a directory, expected a file")
    try:
        with open(arg, "rb") as file:
            size, checksum, head = _checksum(file)
    except OSError as error:
        raise SourceError(_describe_os_error(arg, error)) from error
    compressed = head.startswith(GZIP_MAGIC)
    _refuse_non_text(head, compressed=compressed, display_name=arg)
    return LocalSource(
        path=arg,
        uri=Path(arg).resolve().as_uri(),
        display_name=arg,
        size=size,
        checksum=checksum,
        compressed=compressed,
    )


def _is_uri(arg: str) -> bool:
    scheme, separator, _ = arg.partition("://")
    return bool(separator) and scheme.isascii() and scheme.replace("+", "").isalnum()


def spool_stream(stream: BinaryIO, *, display_name: str = "<stdin>") -> LocalSource:
    """Copy a stream to a temporary file (deleted on close) so it has a checksum and re-reads."""
    handle, spool_path = tempfile.mkstemp(prefix="hotelreviews-", suffix=".spool")
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with os.fdopen(handle, "wb") as spool:
            while chunk := stream.read(CHUNK_BYTES):
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
        compressed = head.startswith(GZIP_MAGIC)
        _refuse_non_text(head, compressed=compressed, display_name=display_name)
    except BaseException:
        Path(spool_path).unlink(missing_ok=True)
        raise
    return LocalSource(
        path=spool_path,
        uri="stdin",
        display_name=display_name,
        size=size,
        checksum=digest.hexdigest(),
        compressed=compressed,
        delete_on_close=True,
    )


def _checksum(file: BinaryIO) -> tuple[int, str, bytes]:
    """(size, sha256 hex, first bytes) of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := file.read(CHUNK_BYTES):
        if not head:
            head = chunk[:SNIFF_BYTES]
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest(), head


def _refuse_non_text(head: bytes, *, compressed: bool, display_name: str) -> None:
    problem = content_problem(head, compressed=compressed)
    if problem is not None:
        raise SourceError(f"{display_name}: {problem}")


def _describe_os_error(name: str, error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return f"{name}: no such file or directory"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"{name}: permission denied; check the file's permissions or run as its owner"
    if error.errno == errno.EISDIR:
        return f"{name}: is a directory, expected a file"
    return f"{name}: cannot read ({error.strerror or error})"


def iter_lines(source: Source, *, start_after_line: int = 0) -> Iterator[tuple[int, bytes]]:
    """Yield (line number from 1, line without its terminator); constant memory."""
    if not isinstance(source, LocalSource):
        yield from source.iter_lines(start_after_line=start_after_line)  # type: ignore[attr-defined]
        return
    try:
        with open(source.path, "rb") as file:
            raw = source._reader = CountingReader(file)
            if source.compressed:
                with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                    yield from _gzip_guard(_split_lines(unzipped, start_after_line), raw, source)
            else:
                yield from _split_lines(raw, start_after_line)
    except OSError as error:
        raise SourceError(_describe_os_error(source.display_name, error)) from error


def _gzip_guard(
    lines: Iterator[tuple[int, bytes]], raw: CountingReader, source: LocalSource
) -> Iterator[tuple[int, bytes]]:
    """Turn gzip failures (possibly mid-stream) into SourceErrors that say where and what to do."""
    try:
        yield from lines
    except EOFError as error:
        raise SourceError(
            f"{source.display_name}: gzip file is truncated (compressed data ends at byte"
            f" {_offset(raw)} before the end-of-stream marker); re-download it"
        ) from error
    except (gzip.BadGzipFile, zlib.error) as error:
        raise SourceError(
            f"{source.display_name}: not a valid gzip file ({gzip_cause(error)} at byte"
            f" {_offset(raw)}); re-download it"
        ) from error


def _offset(raw: CountingReader) -> int:
    try:
        return raw.tell()
    except (OSError, ValueError):
        return -1


def _split_lines(stream: Readable, start_after_line: int) -> Iterator[tuple[int, bytes]]:
    """Split a byte stream on "\\n", reading big chunks; over-long lines are cut, not buffered."""
    line_number = 0
    pending = b""  # the unfinished line carried over from the previous chunk
    overflowing = False  # inside a line already yielded cut short: drop until its end
    chunk = _without_bom(stream)
    while chunk:
        pieces = chunk.split(b"\n")
        tail = pieces.pop()  # after the last "\n" (or the whole chunk): not a full line yet
        for piece in pieces:
            if overflowing:
                overflowing = False  # this piece ends the over-long line
                continue
            # Never join more than the parser needs: an over-long line is cut anyway.
            line = pending + piece[: MAX_LINE_BYTES + 1 - len(pending)] if pending else piece
            pending = b""
            line_number += 1
            if line_number > start_after_line:
                yield line_number, _finish(line)
        if overflowing:
            pass
        elif len(pending) + len(tail) > MAX_LINE_BYTES:
            line_number += 1
            if line_number > start_after_line:
                yield line_number, pending + tail[: MAX_LINE_BYTES + 1 - len(pending)]
            pending = b""
            overflowing = True
        else:
            pending += tail
        chunk = stream.read(CHUNK_BYTES)
    if pending and not overflowing:
        line_number += 1
        if line_number > start_after_line:
            yield line_number, _finish(pending)


def _without_bom(stream: Readable) -> bytes:
    """The first chunk of `stream`, without a UTF-8 byte-order mark."""
    chunk = stream.read(CHUNK_BYTES)
    # A tiny first read could hold only part of the mark.
    while chunk and len(chunk) < len(_BOM) and _BOM.startswith(chunk):
        more = stream.read(CHUNK_BYTES)
        if not more:
            break
        chunk += more
    if chunk.startswith(_BOM):
        return chunk[len(_BOM) :] or stream.read(CHUNK_BYTES)
    return chunk


def _finish(line: bytes) -> bytes:
    """Strip a CR before the LF; cut an over-long line so the parser reports it."""
    if len(line) > MAX_LINE_BYTES:
        return line[: MAX_LINE_BYTES + 1]
    return line[:-1] if line.endswith(b"\r") else line
