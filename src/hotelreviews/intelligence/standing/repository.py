"""The reputation API's reads of `hotel_reputation`: one hotel's row, and the members of a
competitive set (the city's hotels of one star band) in rank order."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of
from hotelreviews.hotels.tables import hotels
from hotelreviews.intelligence.standing.tables import hotel_reputation

hr = hotel_reputation.c
# Rank 1 first; the hotel id breaks ties (equal indices share a rank).
BY_RANK = KeysetOrder(
    "competitive-set:rank", (SortKey(hr.rank, False, "int"), SortKey(hr.hotel_id, False, "int"))
)


async def reputation_row(connection: AsyncConnection, *, hotel_id: int) -> Row[Any] | None:
    """The hotel's stored reputation, with its name and city; None when not scored."""
    statement = (
        sa.select(hotel_reputation, hotels.c.name, hotels.c.city)
        .select_from(hotel_reputation.join(hotels, hotels.c.id == hr.hotel_id))
        .where(hr.hotel_id == hotel_id)
    )
    return (await connection.execute(statement)).first()


async def set_members(
    connection: AsyncConnection, *, of: Row[Any], page: PageRequest
) -> tuple[list[Row[Any]], str | None, int | None]:
    """The scored hotels of the competitive set of `of` (a reputation_row), best first, a page
    of them."""
    if of.city_key is None:  # no city, no market (runner.scoring): a set of one
        where = hr.hotel_id == of.hotel_id
    else:
        where = sa.and_(hr.city_key == of.city_key, hr.band == of.band)
    statement = BY_RANK.apply(
        sa.select(hr.hotel_id, hotels.c.name, hr.rank, hr.reputation_index, hr.confidence)
        .select_from(hotel_reputation.join(hotels, hotels.c.id == hr.hotel_id))
        .where(where),
        page,
    )
    rows = (await connection.execute(statement)).all()
    total = None
    if page.include_total:
        counted = count_of(sa.select(hr.hotel_id).where(where), page)
        total = (await connection.execute(counted)).scalar_one()
    shown, next_cursor = BY_RANK.page(rows, page.limit)
    return list(shown), next_cursor, total
