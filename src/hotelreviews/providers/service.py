"""Provider use cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.providers import repository


async def list_providers(*, engine: AsyncEngine, page: PageRequest) -> dict[str, Any]:
    """Every review provider, by id, with how many reviews it delivered."""
    async with read_transaction(engine) as connection:
        rows = await repository.list_providers(connection, page=page)
        total = await repository.count_providers(connection, page) if page.include_total else None
    rows, next_cursor = repository.BY_ID.page(rows, page.limit)
    items = [
        {
            "id": row.id,
            "key": row.key,
            "name": row.name,
            "rating_scale": row.rating_scale,
            "review_count": int(row.review_count),
        }
        for row in rows
    ]
    return page_body(items, next_cursor, total, page=page)
