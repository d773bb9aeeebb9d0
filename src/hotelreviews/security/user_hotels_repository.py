"""The SQL of the hotels users manage (`user_hotels`). Functions take a connection inside the
caller's transaction and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.security.tables import user_hotels

h = user_hotels.c


async def hotel_ids_of(connection: AsyncConnection, user_id: int) -> frozenset[int]:
    """The hotels the user manages (empty for none, or for no such user)."""
    result = await connection.execute(sa.select(h.hotel_id).where(h.user_id == user_id))
    return frozenset(result.scalars())


async def add(connection: AsyncConnection, user_id: int, hotel_id: int, now: datetime) -> bool:
    """Assign the hotel to the user; False if it already was. A hotel that does not exist
    fails the foreign key (sqlalchemy.exc.IntegrityError)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(user_hotels)
        .values(user_id=user_id, hotel_id=hotel_id, created_at=now)
        .on_conflict_do_nothing(index_elements=[h.user_id, h.hotel_id])
    )
    return (await connection.execute(statement)).rowcount == 1


async def remove(connection: AsyncConnection, user_id: int, hotel_ids: Iterable[int]) -> int:
    """Take the hotels away from the user; how many the user had."""
    result = await connection.execute(
        sa.delete(user_hotels).where(h.user_id == user_id, h.hotel_id.in_(sorted(hotel_ids)))
    )
    return int(result.rowcount or 0)
