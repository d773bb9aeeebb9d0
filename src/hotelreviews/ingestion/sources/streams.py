"""Byte streams for ingestion: a reader that counts what it reads, and streaming gunzip."""

from __future__ import annotations

import gzip
import zlib
from typing import Protocol

from hotelreviews.ingestion.sources.sniffing import GZIP_MAGIC

CHUNK_BYTES = 1024 * 1024
_GZIP_WBITS = 31  # zlib's "gzip header and trailer" mode: checks each member's CRC and length


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class CountingReader:
    """Reads from `raw` and counts the bytes, so progress can be shown against the size."""

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data

    def tell(self) -> int:
        return self.count


class GunzipReader:
    """The decompressed bytes of a gzip stream (one or more members), as they are read.

    Memory stays bounded whatever the compression ratio: each read asks zlib for at most
    `size` bytes and keeps the compressed input it did not use for the next read. Errors are
    those of Python's gzip module — EOFError for a truncated stream, zlib.error for corrupt
    data or a failed CRC/length check, gzip.BadGzipFile for bytes after the last member that
    are not another member (zero padding is allowed, as gzip allows it).
    """

    def __init__(self, raw: Readable, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._raw = raw
        self._chunk_bytes = chunk_bytes
        self._inflate = zlib.decompressobj(wbits=_GZIP_WBITS)
        self._input = b""  # compressed bytes read but not yet given to zlib
        self._in_member = False  # inside a member: the stream may not end here
        self._members = 0
        self._ended = False

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            size = self._chunk_bytes
        while not self._ended:
            if not self._input and not self._fill():
                break
            if not self._in_member:
                self._start_member()
                continue
            data = self._inflate.decompress(self._input, size)
            self._input = self._inflate.unconsumed_tail
            if self._inflate.eof:
                self._input = self._inflate.unused_data
                self._inflate = zlib.decompressobj(wbits=_GZIP_WBITS)
                self._in_member = False
            if data:
                return data
        return b""

    def _fill(self) -> bool:
        """Read more compressed input; False at the clean end of the stream."""
        self._input = self._raw.read(self._chunk_bytes)
        if self._input:
            return True
        if self._in_member:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        self._ended = True
        return False

    def _start_member(self) -> None:
        """Begin the next member, after any zero padding; refuse anything else."""
        if self._members:
            self._input = self._input.lstrip(b"\x00")
            if not self._input:
                return  # padding up to here: read on
            while len(self._input) < len(GZIP_MAGIC):
                more = self._raw.read(self._chunk_bytes)
                if not more:
                    break
                self._input += more
            if not self._input.startswith(GZIP_MAGIC):
                raise gzip.BadGzipFile(f"Not a gzipped file ({self._input[:2]!r})")
        self._members += 1
        self._in_member = True
