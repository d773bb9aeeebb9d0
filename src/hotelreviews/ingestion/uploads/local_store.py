"""Uploads stored in a local folder the worker polls (queue.upload_location).

The body is written to `.incoming/<random>.part` and renamed into `<yyyymmdd>/<stored
name>` only once all of it has arrived, on the same file system, so the rename is atomic:
no reader ever sees half a file under a review file's name. Whatever ends the upload early
(the client leaving, the cap, a full disk) removes the part file.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from hotelreviews.ingestion.queue.uris import target_of
from hotelreviews.ingestion.uploads.body import MeasuredBody
from hotelreviews.ingestion.uploads.names import stored_name
from hotelreviews.ingestion.uploads.stored import StoredUpload

INCOMING = ".incoming"


class LocalUploads:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def store(
        self, chunks: AsyncIterable[bytes], *, name: str, max_bytes: int
    ) -> StoredUpload:
        """Write the whole body, then give it its final name; nothing is left if it fails."""
        body = MeasuredBody(chunks, max_bytes=max_bytes)
        incoming = self.folder / INCOMING
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        part = incoming / f"{uuid.uuid4().hex}.part"
        file = await asyncio.to_thread(part.open, "xb")
        try:
            try:
                async for block in body.blocks():
                    await asyncio.to_thread(file.write, block)
                await asyncio.to_thread(_flush, file)
            finally:
                await asyncio.to_thread(file.close)
            day = datetime.now(UTC).strftime("%Y%m%d")  # no dashes: not a delivery date
            final = self.folder / day / stored_name(name)
            await asyncio.to_thread(_move, part, final)
        except BaseException:
            # The client gone (a cancelled task too), over the cap, empty, or a disk error.
            await asyncio.shield(asyncio.to_thread(part.unlink, missing_ok=True))
            raise
        return StoredUpload(uri=final.as_uri(), size=body.size, sha256=body.sha256)

    async def discard(self, uri: str) -> None:
        """Remove a stored upload that is not to be queued (a replay, a refused request)."""
        path = Path(target_of(uri))
        if path.is_relative_to(self.folder):
            await asyncio.to_thread(path.unlink, missing_ok=True)


def _flush(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())


def _move(part: Path, final: Path) -> None:
    final.parent.mkdir(exist_ok=True)
    os.rename(part, final)
