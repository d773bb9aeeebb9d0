"""The ingestions API's use cases: queue a source for the worker, list the ingestions a
caller may see, one of them, and its rejected lines (writes of runs live in writing/).

An ingestion is an `ingested_files` row: a run of `hotelreviews ingest`, or one queued for
the worker, whose queue state (`ingestion_jobs`, same id) and whose run (usually itself; an
earlier run of the same content it resumed or found done) are joined in (repository.py).

Every read takes the caller's IngestionView (access.py): an ingestion outside it is not
found, and the source URI shown is always the redacted one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.audit import service as audit
from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.core.errors import IdempotencyKeyReused, IngestionNotFound
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.core.settings import Settings
from hotelreviews.events.notify import announce
from hotelreviews.ingestion.queue import repository as queue
from hotelreviews.ingestion.queue.uris import QueuedSource, local_roots, parse_source_uri
from hotelreviews.ingestion.runs import repository
from hotelreviews.ingestion.runs.access import EVERYTHING, IngestionView
from hotelreviews.ingestion.sources.egress import SourcePolicy
from hotelreviews.ingestion.writing.ingestion_rows import ingestion_read
from hotelreviews.ingestion.writing.progress_events import record_ingestion_event

# The queue's logger: "ingestion N queued" reads the same whoever queued it.
logger = logging.getLogger("hotelreviews.worker")


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
    request_fingerprint: str | None = None,
) -> Enqueued:
    """Queue one source for the worker (at most once per Idempotency-Key) and return it;
    `created_by` (an Identity.key) owns it (access.py).

    The same key with the same request returns the job that key made; with another request,
    or from another identity, it is refused (IdempotencyKeyReused), as
    draft-ietf-httpapi-idempotency-key-header says. The request is told by
    `request_fingerprint` when given (an upload's: its name and bytes, not where they were
    stored), else by the source.
    """
    source = parse_source_uri(
        source_uri,
        local_roots=local_roots(settings.worker_sources),
        remote=SourcePolicy.from_settings(settings),
    )
    # The request as understood, so that equivalent spellings of one source are one request.
    fingerprint = (
        request_fingerprint or hashlib.sha256(orjson.dumps({"source_uri": source.uri})).hexdigest()
    )
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
                # Last (the events' lock): the console's lists see it queued.
                last_event_id = None
                if not replayed:
                    last_event_id = await record_ingestion_event(
                        connection, ingestion_id=job_id, settings=settings
                    )
            break
        except sa_exc.IntegrityError:
            # A concurrent request with the same key committed first: answer as it did.
            if attempt == 2 or idempotency_key is None:
                raise
    if not replayed:
        await announce(settings=settings, up_to=last_event_id)
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
        earlier = await queue.job_for_idempotency_key(connection, key=idempotency_key)
        if earlier is not None:
            if earlier.created_by != created_by:
                # Someone else's key: neither their ingestion nor its id is shown.
                raise IdempotencyKeyReused(idempotency_key, None)
            if earlier.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused(idempotency_key, earlier.id)
            return earlier.id, True
    job_id = await queue.insert_job(
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


async def list_ingestions(
    *, engine: AsyncEngine, page: PageRequest, view: IngestionView
) -> dict[str, Any]:
    """Ingestion runs the caller may see, newest first."""
    async with read_transaction(engine) as connection:
        rows = await repository.list_ingestions(connection, page=page, view=view)
        total = None
        if page.include_total:
            total = await repository.count_ingestions(connection, page=page, view=view)
    rows, next_cursor = repository.NEWEST_FIRST.page(rows, page.limit)
    return page_body([ingestion_read(row._mapping) for row in rows], next_cursor, total, page=page)


async def get_ingestion(
    *, engine: AsyncEngine, ingestion_id: int, view: IngestionView
) -> dict[str, Any]:
    """One ingestion run with its counts (not found outside the caller's view)."""
    async with read_transaction(engine) as connection:
        return await ingestion_in(connection, ingestion_id, view=view)


async def ingestion_in(
    connection: AsyncConnection, ingestion_id: int, *, view: IngestionView
) -> dict[str, Any]:
    """One ingestion run with its counts, as `connection`'s transaction sees it."""
    row = await repository.ingestion(connection, ingestion_id, view=view)
    if row is None:
        raise IngestionNotFound(ingestion_id)
    return ingestion_read(row._mapping)


async def list_rejected_lines(
    *, engine: AsyncEngine, ingestion_id: int, page: PageRequest, view: IngestionView
) -> dict[str, Any]:
    """The lines an ingestion rejected, by line number (a queued ingestion's are those of the
    run it resumed, if any); excerpts only where the view shows them."""
    async with read_transaction(engine) as connection:
        found = await repository.run_of(connection, ingestion_id, view=view)
        if found is None:
            raise IngestionNotFound(ingestion_id)
        run_id, created_by = found
        rows = await repository.list_rejected_lines(connection, run_id=run_id, page=page)
        total = None
        if page.include_total:
            total = await repository.count_rejected_lines(connection, run_id=run_id, page=page)
    rows, next_cursor = repository.BY_LINE.page(rows, page.limit)
    excerpts = view.shows_excerpts_of(created_by)
    items = [
        {
            "line_number": r.line_number,
            "reason": r.reason,
            "message": r.message,
            "excerpt": r.excerpt if excerpts else None,
        }
        for r in rows
    ]
    return page_body(items, next_cursor, total, page=page)
