"""A hotel's stored reputation, and its competitive set, as the API shows them.

A hotel that exists but has no row yet (no reviews, or reviews the runner has not reached)
answers 200 with status "not_scored", null figures and a reason, rather than 404: the hotel is
there, and a client polling after an ingestion can tell "not yet" from "no such hotel".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import HotelNotFound
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.hotels.repository import hotel_exists
from hotelreviews.intelligence.standing import repository as repo

NOT_SCORED_REASON = (
    "not scored yet: the hotel has no reviews, or the intelligence runner has not reached "
    "its latest ones (it follows ingestion within seconds)"
)


def _not_scored(hotel_id: int) -> dict[str, Any]:
    """What an answer about a hotel not scored yet says of it (its figures are null)."""
    return {"hotel_id": hotel_id, "status": "not_scored", "reason": NOT_SCORED_REASON}


async def _scored(connection: AsyncConnection, *, hotel_id: int) -> Row[Any] | None:
    """The hotel's reputation row; None when not scored; HotelNotFound when no such hotel."""
    row = await repo.reputation_row(connection, hotel_id=hotel_id)
    if row is None and not await hotel_exists(connection, hotel_id=hotel_id):
        raise HotelNotFound(hotel_id)
    return row


async def hotel_reputation_read(*, engine: AsyncEngine, hotel_id: int) -> dict[str, Any]:
    """The hotel's reputation; HotelNotFound when there is no such hotel."""
    async with read_transaction(engine) as connection:
        row = await _scored(connection, hotel_id=hotel_id)
    if row is None:
        return {
            **_not_scored(hotel_id),
            "index": None,
            "confidence": None,
            "reviews_effective": None,
            "aspects": None,
            "competitive_set": None,
            "updated_at": None,
        }
    return {
        "hotel_id": hotel_id,
        "status": "scored",
        "reason": None,
        "index": round(row.reputation_index, 2),
        "confidence": round(row.confidence, 4),
        "reviews_effective": round(row.reviews_effective, 3),
        "aspects": {
            key: {"score": round(score, 2), "confidence": round(confidence, 4), "mentions": n}
            for key, (score, confidence, n) in row.aspects.items()
        },
        "competitive_set": {"band": row.band, "rank": row.rank, "size": row.set_size},
        "updated_at": row.updated_at,
    }


async def competitive_set_read(
    *, engine: AsyncEngine, hotel_id: int, page: PageRequest
) -> dict[str, Any]:
    """The hotel's competitive set, best first, with each member's index: the ranking its
    `rank` is taken in (an empty page, status "not_scored", until the runner has scored it)."""
    async with read_transaction(engine) as connection:
        row = await _scored(connection, hotel_id=hotel_id)
        if row is None:
            return {
                **page_body([], None, 0 if page.include_total else None, page=page),
                **_not_scored(hotel_id),
                "city": None,
                "band": None,
                "rank": None,
                "size": None,
            }
        members, next_cursor, total = await repo.set_members(connection, of=row, page=page)
    items = [
        {
            "hotel_id": member.hotel_id,
            "name": member.name,
            "rank": member.rank,
            "index": round(member.reputation_index, 2),
            "confidence": round(member.confidence, 4),
        }
        for member in members
    ]
    return {
        **page_body(items, next_cursor, total, page=page),
        "hotel_id": hotel_id,
        "status": "scored",
        "reason": None,
        "city": row.city,
        "band": row.band,
        "rank": row.rank,
        "size": row.set_size,
    }
