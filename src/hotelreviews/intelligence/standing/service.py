"""A hotel's stored reputation as the API shows it.

A hotel that exists but has no row yet (no reviews, or reviews the runner has not reached)
answers 200 with status "not_scored", null figures and a reason, rather than 404: the hotel is
there, and a client polling after an ingestion can tell "not yet" from "no such hotel".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import HotelNotFound
from hotelreviews.hotels.repository import hotel_exists
from hotelreviews.intelligence.standing.tables import hotel_reputation

hr = hotel_reputation.c
NOT_SCORED_REASON = (
    "not scored yet: the hotel has no reviews, or the intelligence runner has not reached "
    "its latest ones (it follows ingestion within seconds)"
)


async def hotel_reputation_read(*, engine: AsyncEngine, hotel_id: int) -> dict[str, Any]:
    """The hotel's reputation; HotelNotFound when there is no such hotel."""
    async with read_transaction(engine) as connection:
        row = (
            await connection.execute(sa.select(hotel_reputation).where(hr.hotel_id == hotel_id))
        ).first()
        if row is None and not await hotel_exists(connection, hotel_id=hotel_id):
            raise HotelNotFound(hotel_id)
    if row is None:
        return {
            "hotel_id": hotel_id,
            "status": "not_scored",
            "reason": NOT_SCORED_REASON,
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
