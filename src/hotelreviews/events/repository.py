"""The SQL of the event outbox: insert (under the writers' lock), read after an id, prune."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.events.records import EventFilter
from hotelreviews.events.tables import WITHOUT_HOTEL, events

e = events.c
# pg_advisory_xact_lock's key for "inserting events": any constant the app uses for nothing
# else (b"hrevents" as an integer).
_WRITERS_LOCK = 0x6872_6576_656E_7473
_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_WRITERS_LOCK)
_LAST_ID = sa.select(sa.func.max(e.id))


async def insert(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> int | None:
    """Insert the rows in the caller's transaction; the largest id given (None for no rows).

    On PostgreSQL the transaction first takes a transaction-scoped lock that every inserter
    takes: ids are drawn from a sequence when a row is inserted, not when it commits, so two
    writers could otherwise commit ids 8 and 7 in that order and a reader between the two
    commits would see 8, move past 7 and never send it. Holding the lock from the first id
    drawn to the commit makes the committed ids a prefix of those drawn. SQLite lets one
    writer in at a time, which is the same lock.
    """
    if not rows:
        return None
    if connection.dialect.name == "postgresql":
        await connection.execute(_LOCK)
    ids = (await connection.execute(sa.insert(events).returning(e.id), list(rows))).scalars()
    return max(ids)


def _matching(
    *,
    after: int,
    hotel_ids: Collection[int] | None,
    kinds: Collection[str] | None,
    alert_hotel_ids: Collection[int] | None,
    ingestion_owner: str | None,
) -> Any:
    conditions = [e.id > after]
    if hotel_ids:
        # Ingestion events have no hotel: a hotel filter leaves them out.
        conditions.append(e.hotel_id.in_(sorted(hotel_ids)))
    if kinds is not None:
        conditions.append(e.kind.in_(sorted(kinds)))
    if alert_hotel_ids is not None:
        conditions.append(sa.or_(e.kind != "alert", e.hotel_id.in_(sorted(alert_hotel_ids))))
    if ingestion_owner is not None:
        conditions.append(sa.or_(e.kind != WITHOUT_HOTEL, e.owner == ingestion_owner))
    return sa.and_(*conditions)


async def read_after(
    connection: AsyncConnection,
    *,
    after: int,
    limit: int,
    hotel_ids: Collection[int] | None = None,
    kinds: Collection[str] | None = None,
    alert_hotel_ids: Collection[int] | None = None,
    ingestion_owner: str | None = None,
) -> list[Row[Any]]:
    """Up to `limit` events with ids above `after`, in id order, matching the filters
    (`kinds` None: every kind; empty: none; `alert_hotel_ids` None: alerts of every hotel;
    `ingestion_owner`: only the ingestion events this identity key owns)."""
    if kinds is not None and not kinds:
        return []
    statement = (
        sa.select(events)
        .where(
            _matching(
                after=after,
                hotel_ids=hotel_ids,
                kinds=kinds,
                alert_hotel_ids=alert_hotel_ids,
                ingestion_owner=ingestion_owner,
            )
        )
        .order_by(e.id)
        .limit(limit)
    )
    return list((await connection.execute(statement)).all())


async def read_for(
    connection: AsyncConnection, event_filter: EventFilter, *, after: int, limit: int
) -> list[Row[Any]]:
    """Up to `limit` events after `after` that `event_filter` lets through, in id order."""
    return await read_after(
        connection,
        after=after,
        limit=limit,
        hotel_ids=event_filter.hotel_ids,
        kinds=event_filter.kinds,
        alert_hotel_ids=event_filter.alert_hotel_ids,
        ingestion_owner=event_filter.ingestion_owner,
    )


async def last_id(connection: AsyncConnection) -> int:
    """The largest event id stored (0 when there is none)."""
    return int((await connection.execute(_LAST_ID)).scalar_one() or 0)


async def prune(connection: AsyncConnection, *, before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest events that occurred before `before`; how many.

    A small delete each time: pruning runs in a writer's transaction and must not hold it.
    """
    oldest = sa.select(e.id).where(e.occurred_at < before).order_by(e.id).limit(limit)
    result = await connection.execute(sa.delete(events).where(e.id.in_(oldest.scalar_subquery())))
    return int(result.rowcount or 0)
