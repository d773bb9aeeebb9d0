"""The events as one JSON page: the polling mode of GET /api/v1/events, for clients that
cannot hold a stream open (and for the schema's fuzzer, which cannot read an endless one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.events import repository as repo
from hotelreviews.events.records import EventFilter, StoredEvent
from hotelreviews.security.hotel_scope import HotelScope


async def alert_hotel_ids(*, engine: AsyncEngine, scope: HotelScope) -> frozenset[int] | None:
    """The hotels whose alert events the scope admits (None: every hotel). A stream reads them
    once, when it starts: a hotel taken from a manager stops at their next reconnect."""
    if scope.every_hotel:
        return None
    if scope.user_id is None:
        return frozenset()
    async with read_transaction(engine) as connection:
        return await scope.hotel_ids(connection)


async def events_page(
    *, engine: AsyncEngine, event_filter: EventFilter, after: int, limit: int
) -> dict[str, Any]:
    """Up to `limit` events after `after`, oldest first, and the id to resume after."""
    async with read_transaction(engine) as connection:
        rows = await repo.read_for(connection, event_filter, after=after, limit=limit + 1)
    shown = [StoredEvent.of(row) for row in rows[:limit]]
    return {
        "items": [event.as_data() for event in shown],
        "last_event_id": shown[-1].id if shown else after,
        "has_more": len(rows) > limit,
    }
