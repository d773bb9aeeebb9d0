"""A hotel's aspect samples as the API shows them.

Like the reputation read, a hotel that exists but has no analysed review yet answers 200 with
status "not_analysed" and no aspects, rather than 404: a client polling after an ingestion can
tell "not yet" from "no such hotel".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import HotelNotFound
from hotelreviews.hotels.repository import hotel_exists
from hotelreviews.intelligence.keys import ASPECTS
from hotelreviews.intelligence.samples import repository as repo
from hotelreviews.intelligence.samples.selection import aspect_samples

NOT_ANALYSED_REASON = (
    "not analysed yet: the hotel has no reviews, or the intelligence runner has not reached "
    "them (it follows ingestion within seconds)"
)


async def aspect_samples_read(
    *, engine: AsyncEngine, hotel_id: int, aspect: str | None, per_aspect: int
) -> dict[str, Any]:
    """Per aspect (or the one asked), the strongest recent positive and negative sentences;
    HotelNotFound when there is no such hotel."""
    async with read_transaction(engine) as connection:
        rows = await repo.recent_analysed_reviews(connection, hotel_id=hotel_id)
        if not rows and not await hotel_exists(connection, hotel_id=hotel_id):
            raise HotelNotFound(hotel_id)
    body: dict[str, Any] = {
        "hotel_id": hotel_id,
        "status": "analysed" if rows else "not_analysed",
        "reason": None if rows else NOT_ANALYSED_REASON,
        "reviews_read": len(rows),
        "per_aspect": per_aspect,
        "aspects": {},
    }
    if rows:
        wanted = (aspect,) if aspect else ASPECTS
        body["aspects"] = aspect_samples(rows, aspects=wanted, per_aspect=per_aspect)
    return body
