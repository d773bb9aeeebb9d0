"""An upload's body as it arrives: counted against its cap, hashed, refused when empty."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

from hotelreviews.core.errors import InvalidUpload, UploadTooLarge

# Bytes gathered before each write to disk or S3: a few system calls (or S3 parts) per
# file, not one per chunk the server hands over (often 64 KiB).
WRITE_BYTES = 1024 * 1024


class MeasuredBody:
    """The body's chunks, in blocks of at least `block_bytes` (the last may be smaller);
    UploadTooLarge past `max_bytes`, InvalidUpload when it ends with no byte."""

    def __init__(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> None:
        self._chunks = chunks
        self._max_bytes = max_bytes
        self._digest = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    async def blocks(self, block_bytes: int = WRITE_BYTES) -> AsyncIterator[bytes]:
        pending = bytearray()
        async for chunk in self._chunks:
            if not chunk:
                continue
            self.size += len(chunk)
            if self.size > self._max_bytes:
                raise UploadTooLarge(self._max_bytes)
            self._digest.update(chunk)
            pending += chunk
            if len(pending) >= block_bytes:
                yield bytes(pending)
                pending.clear()
        if not self.size:
            raise InvalidUpload("body", "the body is empty: send the file's bytes as the body")
        if pending:
            yield bytes(pending)
