"""What every source is, whatever its kind: the Source protocol, closing on `with`, and the
file names that hold reviews."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

REVIEW_SUFFIXES = (".jl", ".jsonl", ".jl.gz", ".jsonl.gz")


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
