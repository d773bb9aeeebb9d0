"""Open what `hotelreviews ingest` is given: files, directories or stdin, plain or gzip.

URIs (s3://bucket/key, s3://bucket/prefix/, http(s)://…, file://…) are accepted wherever a
path is; remote ones are handled by ingestion/remote.py, imported only when one is given.
A local file is opened once (ingestion/local_files.py) and read through that descriptor
only; stdin is spooled to an unnamed temporary file read the same way.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Protocol, Self

from hotelreviews.ingestion.limits import BudgetedReader, SourceBudget, within_budget
from hotelreviews.ingestion.local_files import OpenedFile, describe_os_error, open_regular_file
from hotelreviews.ingestion.shapes.parsing import MAX_LINE_BYTES
from hotelreviews.ingestion.sniffing import GZIP_MAGIC, SNIFF_BYTES, content_problem, gzip_cause
from hotelreviews.ingestion.source_errors import SourceError as SourceError
from hotelreviews.ingestion.source_errors import SourceOverLimit as SourceOverLimit
from hotelreviews.ingestion.source_errors import SourceUnavailable as SourceUnavailable
from hotelreviews.ingestion.streams import CountingReader, Readable

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

REVIEW_SUFFIXES = (".jl", ".jsonl", ".jl.gz", ".jsonl.gz")
STDIN = "-"
CHUNK_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


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
    """A local file (stdin is spooled to one), opened once, with its size and sha256; its
    lines are read from the same descriptor, up to the size that was checksummed."""

    def __init__(
        self,
        *,
        file: OpenedFile,
        uri: str,
        display_name: str,
        size: int,
        checksum: str,
        compressed: bool,
    ) -> None:
        self.file = file
        self.uri = uri
        self.display_name = display_name
        self.size = size
        self.checksum = checksum
        self.compressed = compressed
        self._reader: CountingReader | None = None

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far by iter_lines (for progress)."""
        return self._reader.count if self._reader else 0

    def close(self) -> None:
        """Close the file (a spooled copy has no name: closing it frees its space)."""
        self.file.close()

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
    raise SourceError(describe_os_error(error.filename, error)) from error


def open_source(
    arg: str, *, settings: Settings | None = None, local_roots: Sequence[Path] | None = None
) -> Source:
    """Open one path (or "-" for stdin), checksumming it in a first streaming pass; or one
    URI (s3://, http(s)://, file://), whose metadata gives its size and checksum.

    With `local_roots` (the worker's polled folders), a path must really be under one of
    them (see local_files); without, any path is read (an operator's own command). With
    `settings`, a local file or stdin larger than source_max_bytes is refused unread.
    """
    budget = SourceBudget.start(settings) if settings is not None else None
    if arg == STDIN:
        return spool_stream(sys.stdin.buffer, display_name="<stdin>", budget=budget)
    if _is_uri(arg):
        from hotelreviews.ingestion import remote

        return remote.open_uri(arg, settings=settings)
    file = open_regular_file(arg, roots=local_roots)
    try:
        if budget is not None:
            budget.refuse_size(file.size, arg)
        size, checksum, head = _checksum(file)
        compressed = head.startswith(GZIP_MAGIC)
        _refuse_non_text(head, compressed=compressed, display_name=arg)
    except OSError as error:
        file.close()
        raise SourceError(describe_os_error(arg, error)) from error
    except BaseException:
        file.close()
        raise
    return LocalSource(
        file=file,
        uri=Path(os.path.realpath(arg)).as_uri(),
        display_name=arg,
        size=size,
        checksum=checksum,
        compressed=compressed,
    )


def _is_uri(arg: str) -> bool:
    scheme, separator, _ = arg.partition("://")
    return bool(separator) and scheme.isascii() and scheme.replace("+", "").isalnum()


def spool_stream(
    stream: BinaryIO, *, display_name: str = "<stdin>", budget: SourceBudget | None = None
) -> LocalSource:
    """Copy a stream to an unnamed temporary file (gone when closed) so it has a checksum and
    re-reads; a stream over the budget's bytes is refused (the spool is dropped)."""
    # Closed here on failure, else by the returned source.
    spool = tempfile.TemporaryFile(prefix="hotelreviews-", suffix=".spool")  # noqa: SIM115
    try:
        size = 0
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            if budget is not None:
                budget.check_bytes(size, display_name)
            spool.write(chunk)
        spool.flush()
        file = OpenedFile(spool, size)
        size, checksum, head = _checksum(file)
        compressed = head.startswith(GZIP_MAGIC)
        _refuse_non_text(head, compressed=compressed, display_name=display_name)
    except BaseException:
        spool.close()
        raise
    return LocalSource(
        file=file,
        uri="stdin",
        display_name=display_name,
        size=size,
        checksum=checksum,
        compressed=compressed,
    )


def _checksum(file: OpenedFile) -> tuple[int, str, bytes]:
    """(size, sha256 hex, first bytes) of a file, read in 1 MiB chunks from its start; the
    size is what was read (a file cut short meanwhile is read as it now is)."""
    file.rewind()
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := file.read(CHUNK_BYTES):
        if not head:
            head = chunk[:SNIFF_BYTES]
        digest.update(chunk)
        size += len(chunk)
    file.rewind(size=size)
    return size, digest.hexdigest(), head


def _refuse_non_text(head: bytes, *, compressed: bool, display_name: str) -> None:
    problem = content_problem(head, compressed=compressed)
    if problem is not None:
        raise SourceError(f"{display_name}: {problem}")


def iter_lines(
    source: Source, *, start_after_line: int = 0, budget: SourceBudget | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield (line number from 1, line without its terminator); constant memory. With a
    budget, a source costing more than it allows ends with SourceOverLimit (ingestion/limits)."""
    if not isinstance(source, LocalSource):
        lines = source.iter_lines(start_after_line=start_after_line)  # type: ignore[attr-defined]
        yield from lines if budget is None else within_budget(lines, source, budget)
        return
    try:
        source.file.rewind()
        raw = source._reader = CountingReader(source.file)
        if source.compressed:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                stream = _budgeted(unzipped, budget, source)
                yield from _gzip_guard(_split_lines(stream, start_after_line), raw, source)
        else:
            yield from _split_lines(_budgeted(raw, budget, source), start_after_line)
    except OSError as error:
        raise SourceError(describe_os_error(source.display_name, error)) from error


def _budgeted(stream: Readable, budget: SourceBudget | None, source: LocalSource) -> Readable:
    return stream if budget is None else BudgetedReader(stream, budget, source.display_name)


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
