"""All the SQL of providers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of
from hotelreviews.hotels.tables import hotel_summary_breakdowns
from hotelreviews.providers.tables import providers

BY_ID = KeysetOrder("providers:id", (SortKey(providers.c.id, False, "int"),))


async def list_providers(connection: AsyncConnection, *, page: PageRequest) -> list[Row[Any]]:
    """Providers with their review counts, summed from the hotel summaries (not a review scan)."""
    b = hotel_summary_breakdowns.c
    counts = (
        sa.select(b.key, sa.func.sum(b.review_count).label("review_count"))
        .where(b.dimension == "provider")
        .group_by(b.key)
        .subquery()
    )
    statement = sa.select(
        providers.c.id,
        providers.c.key,
        providers.c.name,
        providers.c.rating_scale,
        sa.func.coalesce(counts.c.review_count, 0).label("review_count"),
    ).select_from(providers.outerjoin(counts, counts.c.key == sa.cast(providers.c.id, sa.String)))
    return list((await connection.execute(BY_ID.apply(statement, page))).all())


async def count_providers(connection: AsyncConnection, page: PageRequest) -> int:
    statement = count_of(sa.select(providers.c.id), page)
    return int((await connection.execute(statement)).scalar_one())
