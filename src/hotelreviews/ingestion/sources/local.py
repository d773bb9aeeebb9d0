"""Local sources: a file opened once (local_files.py) and read through that descriptor only,
checksummed in a first streaming pass; stdin (or any stream) spooled to an unnamed temporary
file read the same way; a directory as the review files under it."""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from hotelreviews.ingestion.sources.errors import SourceError
from hotelreviews.ingestion.sources.limits import BudgetedReader, SourceBudget
from hotelreviews.ingestion.sources.lines import CHUNK_BYTES, split_lines
from hotelreviews.ingestion.sources.local_files import (
    OpenedFile,
    describe_os_error,
    open_regular_file,
)
from hotelreviews.ingestion.sources.sniffing import (
    GZIP_MAGIC,
    SNIFF_BYTES,
    content_problem,
    gzip_cause,
)
from hotelreviews.ingestion.sources.source import REVIEW_SUFFIXES, ClosedOnExit
from hotelreviews.ingestion.sources.streams import CountingReader, Readable


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


def review_files(directory: Path, arg: str) -> list[str]:
    """The review files under a directory, recursively, sorted; SourceError if none."""
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


def open_file(
    arg: str, *, budget: SourceBudget | None = None, local_roots: Sequence[Path] | None = None
) -> LocalSource:
    """Open one path, checksumming it in a first streaming pass.

    With `local_roots` (the worker's polled folders), a path must really be under one of
    them (see local_files); without, any path is read (an operator's own command). With a
    budget, a file larger than it allows is refused unread.
    """
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


def local_lines(
    source: LocalSource, *, start_after_line: int = 0, budget: SourceBudget | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield (line number from 1, line without its terminator) of a local source, read again
    from its start through its descriptor; with a budget, the uncompressed bytes are counted."""
    try:
        source.file.rewind()
        raw = source._reader = CountingReader(source.file)
        if source.compressed:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                stream = _budgeted(unzipped, budget, source)
                yield from _gzip_guard(split_lines(stream, start_after_line), raw, source)
        else:
            yield from split_lines(_budgeted(raw, budget, source), start_after_line)
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
