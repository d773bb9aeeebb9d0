"""What every upload store gives back, and what the service needs of a store."""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredUpload:
    uri: str  # as it is queued: file:///… or s3://bucket/key
    size: int
    sha256: str  # of the bytes as sent


class UploadStore(Protocol):
    async def store(
        self, chunks: AsyncIterable[bytes], *, name: str, max_bytes: int
    ) -> StoredUpload: ...

    async def discard(self, uri: str) -> None: ...
