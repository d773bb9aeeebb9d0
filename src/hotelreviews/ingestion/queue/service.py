"""Queueing ingestions: one requested through the API, and the new files a poll finds."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.audit import service as audit
from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.core.errors import IdempotencyKeyReused
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.access import EVERYTHING
from hotelreviews.ingestion.egress import SourcePolicy
from hotelreviews.ingestion.queries import ingestion_in
from hotelreviews.ingestion.sources import SourceError
from hotelreviews.jobs import repository as repo
from hotelreviews.jobs.discovery import ListedFile, list_source
from hotelreviews.jobs.uris import QueuedSource, local_roots, parse_source_uri

logger = logging.getLogger("hotelreviews.worker")
_LOOKUP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Enqueued:
    ingestion_id: int
    replayed: bool  # an earlier request with the same Idempotency-Key made it
    ingestion: dict[str, Any]  # as GET /api/v1/ingestions/{id} shows it now


async def enqueue(
    *,
    engine: AsyncEngine,
    settings: Settings,
    source_uri: str,
    idempotency_key: str | None,
    created_by: str | None = None,
) -> Enqueued:
    """Queue one source for the worker (at most once per Idempotency-Key) and return it;
    `created_by` (an Identity.key) owns it (ingestion.access).

    The same key with the same request returns the job that key made; with another request,
    or from another identity, it is refused (IdempotencyKeyReused), as
    draft-ietf-httpapi-idempotency-key-header says.
    """
    source = parse_source_uri(
        source_uri,
        local_roots=local_roots(settings.worker_sources),
        remote=SourcePolicy.from_settings(settings),
    )
    # The request as understood, so that equivalent spellings of one source are one request.
    fingerprint = hashlib.sha256(orjson.dumps({"source_uri": source.uri})).hexdigest()
    for attempt in (1, 2):
        try:
            async with write_transaction(engine) as connection:
                job_id, replayed = await _queue_or_replay(
                    connection, settings, source, idempotency_key, fingerprint, created_by
                )
                # Read back before the commit: once committed, the answer must not depend on
                # another round trip to a primary that may be gone by then (the client would
                # get 503 for a queued ingestion and, without a key, queue it again). The
                # caller's own (or the replay of its own): seen whole.
                ingestion = await ingestion_in(connection, job_id, view=EVERYTHING)
            break
        except sa_exc.IntegrityError:
            # A concurrent request with the same key committed first: answer as it did.
            if attempt == 2 or idempotency_key is None:
                raise
    if not replayed:
        logger.info("ingestion %d queued: %s", job_id, source.shown_uri)
    return Enqueued(ingestion_id=job_id, replayed=replayed, ingestion=ingestion)


async def _queue_or_replay(
    connection: AsyncConnection,
    settings: Settings,
    source: QueuedSource,
    idempotency_key: str | None,
    fingerprint: str,
    created_by: str | None,
) -> tuple[int, bool]:
    """(job id, whether an earlier request with this key made it)."""
    if idempotency_key is not None:
        earlier = await repo.job_for_idempotency_key(connection, key=idempotency_key)
        if earlier is not None:
            if earlier.created_by != created_by:
                # Someone else's key: neither their ingestion nor its id is shown.
                raise IdempotencyKeyReused(idempotency_key, None)
            if earlier.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused(idempotency_key, earlier.id)
            return earlier.id, True
    job_id = await repo.insert_job(
        connection,
        source_uri=source.uri,
        shown_uri=source.shown_uri,
        display_name=source.display_name,
        source_identity=None,
        bytes_total=None,
        max_attempts=settings.worker_max_attempts,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        created_by=created_by,
    )
    # In the queueing transaction: a job that is not queued leaves no event.
    await audit.record(
        connection,
        action="ingestion.enqueue",
        target_kind="ingestion",
        target_id=job_id,
        details={"source": source.shown_uri},
    )
    return job_id, False


async def poll_sources(*, engine: AsyncEngine, settings: Settings) -> int:
    """List every configured source and queue the files (and versions) not queued yet;
    returns how many were queued. A source that can't be listed is logged and skipped."""
    queued = 0
    for source in settings.worker_sources:
        try:
            files = await asyncio.to_thread(list_source, source, settings=settings)
        except SourceError as error:
            logger.warning("cannot list %s: %s", source, error)
            continue
        except Exception as error:  # S3 or the network failing: the next poll tries again
            logger.warning("cannot list %s: %s", source, error)
            continue
        queued += await enqueue_new_files(engine=engine, settings=settings, files=files)
    return queued


async def enqueue_new_files(
    *, engine: AsyncEngine, settings: Settings, files: list[ListedFile]
) -> int:
    """Queue the listed files whose version has no job yet; returns how many were queued.

    Several workers polling the same sources race to queue a new file: the unique (URI,
    identity) lets one win, and the others' inserts are dropped.
    """
    known: set[tuple[str, str]] = set()
    async with read_transaction(engine) as connection:
        for start in range(0, len(files), _LOOKUP_CHUNK):
            chunk = files[start : start + _LOOKUP_CHUNK]
            known |= await repo.queued_versions(
                connection, source_uris=[file.source.uri for file in chunk]
            )
    queued = 0
    for file in files:
        if (file.source.uri, file.identity) in known:
            continue
        try:
            async with write_transaction(engine) as connection:
                job_id = await repo.insert_job(
                    connection,
                    source_uri=file.source.uri,
                    shown_uri=file.source.shown_uri,
                    display_name=file.source.display_name,
                    source_identity=file.identity,
                    bytes_total=file.size,
                    max_attempts=settings.worker_max_attempts,
                )
        except sa_exc.IntegrityError:
            continue  # another worker queued it first
        logger.info("ingestion %d queued: %s", job_id, file.source.shown_uri)
        queued += 1
    return queued
