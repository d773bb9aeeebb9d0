"""Review use cases: read one review, page through a hotel's reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.driver_reads import ReadConnection, prepared_reads
from hotelreviews.core.errors import HotelNotFound, ReviewNotFound
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.hotels import repository as hotel_repository
from hotelreviews.reviews import repository
from hotelreviews.reviews.filters import ReviewFilters


async def get_review(*, engine: AsyncEngine, review_id: int) -> dict[str, Any]:
    """One review with everything we know about it."""
    async with read_transaction(engine) as connection:
        row = await repository.find_review(connection, review_id=review_id)
        if row is None:
            raise ReviewNotFound(review_id)
        flags = await flags_by_review(connection, review_ids=[review_id])
    return review_document(row._mapping, flags=flags.get(review_id, []))


async def list_hotel_reviews(
    *,
    engine: AsyncEngine,
    hotel_id: int,
    filters: ReviewFilters,
    sort: str,
    page: PageRequest,
) -> dict[str, Any]:
    """A page of a hotel's reviews; HotelNotFound when the hotel does not exist."""
    order = repository.ORDERS[sort]
    # The first page, as most ask for it: its one statement through the driver (prepared_reads).
    reading = prepared_reads if repository.first_page_only(filters, page) else read_transaction
    async with reading(engine) as connection:
        rows = await repository.list_hotel_reviews(
            connection, hotel_id=hotel_id, filters=filters, order=order, page=page
        )
        # An empty page may mean an unknown hotel: only then is it worth a second query.
        if not rows and not await hotel_repository.hotel_exists(connection, hotel_id=hotel_id):
            raise HotelNotFound(hotel_id)
        total = None
        if page.include_total:
            total = await repository.count_hotel_reviews(
                connection, hotel_id=hotel_id, filters=filters, page=page
            )
        rows, next_cursor = order.page(rows, page.limit)
        flags = await flags_by_review(connection, review_ids=[row["id"] for row in rows])
    items = [review_document(row, flags=flags.get(row["id"], [])) for row in rows]
    return page_body(items, next_cursor, total, page=page)


async def flags_by_review(
    connection: ReadConnection, *, review_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The reviews' duplicate-detection flags (ReviewFlag), by review id: one query a page."""
    found: dict[int, list[dict[str, Any]]] = {}
    for row in await repository.review_flags_of(connection, review_ids=review_ids):
        found.setdefault(row["review_id"], []).append(
            {
                "kind": row["kind"],
                "message": row["message"],
                "similarity": row["similarity"],
                "matches": list(row["matches"]),
            }
        )
    return found


def review_document(
    row: Mapping[str, Any], *, flags: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """The API shape of a review row (ReviewRead), with its flags."""
    offset = row["review_date_offset_minutes"]
    review_date = row["review_date"]
    has_response = bool(row["has_response"])
    return {
        "id": row["id"],
        "provider": {"id": row["provider_id"], "name": row["provider_name"]},
        "hotel": {"id": row["hotel_id"], "name": row["hotel_name"]},
        "provider_review_id": row["provider_review_id"],
        "rating": row["rating"],
        "rating_scale": row["rating_scale"],
        "rating_normalized": row["rating_normalized"],
        "title": row["title"],
        "text": row["text"],
        "positives": row["positives"],
        "negatives": row["negatives"],
        "language": row["language"],
        "review_date": review_date,
        "review_date_local": _local(review_date, offset),
        "review_date_offset_minutes": offset,
        "review_date_offset_missing": bool(row["review_date_offset_missing"]),
        "stay_month": row["stay_month"],
        "traveller_type": row["traveller_type"],
        "room_type": row["room_type"],
        "length_of_stay": row["length_of_stay"],
        "reviewer": {
            "country": row["reviewer_country"],
            "name": row["reviewer_name"],
            "review_count": row["reviewer_review_count"],
            "is_expert": row["reviewer_is_expert"],
        },
        "has_response": has_response,
        "response": {
            "responder": row["response_responder"],
            "text": row["response_text"],
            "date_text": row["response_date_text"],
        }
        if has_response
        else None,
        "aspects": row["aspects"] or {},
        "first_seen_at": row["first_seen_at"],
        "last_changed_at": row["last_changed_at"],
        "flags": list(flags),
    }


def _local(moment: datetime, offset_minutes: int) -> datetime:
    if not -1440 < offset_minutes < 1440:  # not a real offset: show UTC rather than fail
        return moment
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
