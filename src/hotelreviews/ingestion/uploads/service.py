"""Upload a file and queue it, in one use case: checked before a byte is read, stored whole
(local_store, s3_store), then queued as POST /api/v1/ingestions queues a source.

Idempotency-Key works as it does there, on what was sent rather than where it was stored:
the same key with the same name and bytes returns the first ingestion (the second copy is
removed); with another file it is refused. A stored file that ends up not queued (a replay,
a refusal, the database failing) is removed, so nothing is kept that nobody will ingest.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.errors import InvalidUpload, UploadTooLarge
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.upload_location import required_location
from hotelreviews.ingestion.runs import service as runs
from hotelreviews.ingestion.uploads.local_store import LocalUploads
from hotelreviews.ingestion.uploads.names import checked_media_type, checked_name
from hotelreviews.ingestion.uploads.s3_store import S3Uploads
from hotelreviews.ingestion.uploads.stored import UploadStore


@dataclass(frozen=True, slots=True)
class Upload:
    """An upload request as it arrived: its name and headers; its body still to be read."""

    name: str
    content_type: str | None
    content_length: int | None
    chunks: AsyncIterable[bytes]


async def upload_and_enqueue(
    *,
    engine: AsyncEngine,
    settings: Settings,
    upload: Upload,
    idempotency_key: str | None,
    created_by: str | None,
) -> runs.Enqueued:
    """Store the uploaded file and queue it for the worker (runs.service.enqueue)."""
    name = checked_name(upload.name)
    checked_media_type(upload.content_type)
    if upload.content_length == 0:
        raise InvalidUpload("body", "the body is empty: send the file's bytes as the body")
    if upload.content_length is not None and upload.content_length > settings.upload_max_bytes:
        raise UploadTooLarge(settings.upload_max_bytes)
    store = upload_store(settings)
    stored = await store.store(upload.chunks, name=name, max_bytes=settings.upload_max_bytes)
    fingerprint = hashlib.sha256(
        orjson.dumps({"upload": name, "sha256": stored.sha256})
    ).hexdigest()
    try:
        enqueued = await runs.enqueue(
            engine=engine,
            settings=settings,
            source_uri=stored.uri,
            idempotency_key=idempotency_key,
            created_by=created_by,
            request_fingerprint=fingerprint,
        )
    except BaseException:
        await store.discard(stored.uri)
        raise
    if enqueued.replayed:
        await store.discard(stored.uri)  # the first request's copy is the one queued
    return enqueued


def upload_store(settings: Settings) -> UploadStore:
    """The store of this server's upload location (InvalidUpload when it has none)."""
    location = required_location(settings)
    if location.s3_uri is not None:
        return S3Uploads(settings, location.s3_uri)
    assert location.folder is not None
    return LocalUploads(location.folder)
