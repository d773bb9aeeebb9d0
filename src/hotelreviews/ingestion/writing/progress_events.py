"""The "ingestion" events: an ingestion's status and progress, recorded in the transaction
that changes them (each committed batch, each change of status), so that the console can
follow a run from the event stream instead of polling GET /api/v1/ingestions/{id}.

The payload is read back in that transaction through the ingestions API's own reading
(ingestion_rows.py), so it says what a GET would have said at that
commit, a queued ingestion's status and bytes included, never a second rule for them. Kept
small: the status, the line counts and the progress, not the whole ingestion; a client that
wants the rest (the error, the timings) reads the ingestion once the run has ended.

The event's owner is who queued the ingestion (`created_by`): events.records gives it to that
identity and to the roles that see every ingestion (security.policies.own_ingestions_only,
the rule of ingestion.runs.access), nobody else.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.settings import Settings
from hotelreviews.events.outbox import NewEvent, record_events
from hotelreviews.ingestion.writing.ingestion_rows import ingestion_read, ingestion_row

SHOWN_COUNTS = ("lines_done", "new", "updated", "unchanged", "rejected")


async def ingestion_event(connection: AsyncConnection, ingestion_id: int) -> NewEvent | None:
    """The event telling where the ingestion stands in this transaction (None: no such one)."""
    row = await ingestion_row(connection, ingestion_id)
    if row is None:
        return None
    shown = ingestion_read(row._mapping)
    return NewEvent(
        kind="ingestion",
        hotel_id=None,
        owner=row.created_by,
        payload={
            "ingestion_id": shown["id"],
            "status": shown["status"],
            "counts": {name: shown["counts"][name] for name in SHOWN_COUNTS},
            "progress": shown["progress"],
        },
    )


async def record_ingestion_event(
    connection: AsyncConnection, *, ingestion_id: int, settings: Settings
) -> int | None:
    """Record the ingestion's event in the caller's transaction, last before its commit (the
    events' lock: events.outbox); the event id, for events.notify.announce after the commit."""
    event = await ingestion_event(connection, ingestion_id)
    return await record_events(
        connection,
        events=[event] if event is not None else [],
        retention=timedelta(hours=settings.events_retention_hours),
    )
