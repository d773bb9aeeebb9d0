"""Sources behind a URI: S3 objects and http(s) URLs, streamed in constant memory.

A remote source is opened from its metadata (size, ETag or checksum) and its first bytes
(to recognise gzip and refuse what is not text), then read as one streamed pass: chunks of
the body, gunzipped incrementally, split into lines with the same line-size guard as local
files. Nothing is spooled to disk (but the body of a URL whose server sends no validator:
see http_source.py). The backends live in s3.py and http_source.py (picked by scheme in
opening.py); which hosts and buckets they may reach is egress.py's decision.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Callable, Iterator
from typing import Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from hotelreviews.ingestion.sources.errors import SourceError
from hotelreviews.ingestion.sources.lines import split_lines
from hotelreviews.ingestion.sources.sniffing import GZIP_MAGIC, content_problem, gzip_cause
from hotelreviews.ingestion.sources.source import ClosedOnExit
from hotelreviews.ingestion.sources.streams import CountingReader, GunzipReader

MAX_DISPLAY_NAME = 500  # ingested_files.display_name is a VARCHAR(500)
CHECKSUM_LENGTH = 64  # ingested_files.checksum is a VARCHAR(64)


class RawStream(Protocol):
    """An object's stored bytes from the start; transport failures raise SourceUnavailable."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class RemoteSource(ClosedOnExit):
    """An S3 object or an http(s) resource: metadata known up front, bytes streamed on demand."""

    def __init__(
        self,
        *,
        uri: str,
        size: int,
        checksum: str,
        compressed: bool,
        open_stream: Callable[[], RawStream],
        first_stream: RawStream | None = None,
    ) -> None:
        self.uri = uri
        self.display_name = display_name(uri)
        self.size = size
        self.checksum = checksum
        self.compressed = compressed
        self._open_stream = open_stream
        # A stream already open (the response that gave the metadata): the first read uses
        # it instead of asking again; closed with the source if it is never read.
        self._stream: RawStream | None = first_stream
        self._reader: CountingReader | None = None

    @property
    def bytes_read(self) -> int:
        """Bytes of the stored object read so far by iter_lines (compressed, for gzip)."""
        return self._reader.count if self._reader else 0

    def iter_lines(self, *, start_after_line: int = 0) -> Iterator[tuple[int, bytes]]:
        """Yield (line number from 1, line without its terminator), reading the object once.

        Resuming after line N streams the object from its first byte again and skips N
        lines, rather than asking for a byte range: a gzip stream cannot be entered in the
        middle, and the byte offset of line N is not recorded.
        """
        stream = self._stream or self._open_stream()
        self._stream = stream
        try:
            raw = self._reader = CountingReader(stream)
            if self.compressed:
                yield from self._gzip_guard(split_lines(GunzipReader(raw), start_after_line))
            else:
                yield from split_lines(raw, start_after_line)
        finally:
            self.close()

    def _gzip_guard(self, lines: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
        """Turn gzip failures (possibly mid-stream) into SourceErrors naming the object."""
        try:
            yield from lines
        except EOFError as error:
            raise SourceError(
                f"{self.display_name}: gzip data is truncated (the compressed stream ends at"
                f" byte {self.bytes_read:,} before its end-of-stream marker); the stored object"
                " is incomplete: have it delivered again"
            ) from error
        except (gzip.BadGzipFile, zlib.error) as error:
            raise SourceError(
                f"{self.display_name}: not a valid gzip file ({gzip_cause(error)} near byte"
                f" {self.bytes_read:,}); the stored object is damaged: have it delivered again"
            ) from error

    def close(self) -> None:
        """Close the stream being read, if any (a source may be read again afterwards)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def __repr__(self) -> str:
        return f"RemoteSource({self.uri!r}, size={self.size}, compressed={self.compressed})"


def check_sample(name: str, sample: bytes) -> bool:
    """Whether the object starting with `sample` is gzip; SourceError when it is not text."""
    compressed = sample.startswith(GZIP_MAGIC)
    problem = content_problem(sample, compressed=compressed)
    if problem is not None:
        raise SourceError(f"{name}: {problem}")
    return compressed


def identity(kind: str, *parts: str) -> str:
    """A checksum-column value naming one version of a remote object: `kind:` and a digest
    of what identifies it (location, ETag, size…), cut to the column's 64 characters."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"{kind}:{digest[: CHECKSUM_LENGTH - len(kind) - 1]}"


def display_name(uri: str) -> str:
    """The URI, shortened from the left if it would not fit the display-name column."""
    if len(uri) <= MAX_DISPLAY_NAME:
        return uri
    return "…" + uri[-(MAX_DISPLAY_NAME - 1) :]


# Query parameters shown as given: names that only pick which file or which part of it.
# Every other parameter is dropped from what is shown, logged and stored — an allow-list,
# because a deny-list misses the next signing scheme's name (code=, auth=, session=…).
SHOWN_PARAMETERS = frozenset(
    {"date", "day", "month", "year", "from", "to", "since", "until", "page", "part", "format"}
)


def redact_url(url: str) -> str:
    """The URL as shown, logged and stored: without user:password@, without a fragment, and
    with only the query parameters of SHOWN_PARAMETERS (a presigned URL without its
    signature, a token-carrying URL without its token)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    kept = [
        piece
        for piece in parts.query.split("&")
        if piece and unquote(piece.partition("=")[0]).lower() in SHOWN_PARAMETERS
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(kept), ""))
