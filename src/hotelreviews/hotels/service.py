"""Hotel use cases: the filtered hotel list and one hotel with its review summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import HotelNotFound
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.hotels import repository
from hotelreviews.hotels.filters import HotelFilters

HISTOGRAM_KEYS = tuple(str(bucket) for bucket in range(1, 11))


async def list_hotels(
    *, engine: AsyncEngine, filters: HotelFilters, sort: str, page: PageRequest
) -> dict[str, Any]:
    """A page of hotels matching the filters, in the requested order."""
    order = repository.ORDERS[sort]
    async with read_transaction(engine) as connection:
        rows = await repository.list_hotels(connection, filters=filters, order=order, page=page)
        total = None
        if page.include_total:
            total = await repository.count_hotels(connection, filters=filters, page=page)
    rows, next_cursor = order.page(rows, page.limit)
    return page_body([_list_item(row._mapping) for row in rows], next_cursor, total, page=page)


async def get_hotel(*, engine: AsyncEngine, hotel_id: int) -> dict[str, Any]:
    """One hotel, its summary with every breakdown and its latest provider standings."""
    async with read_transaction(engine) as connection:
        rows = await repository.hotel_with_breakdowns(connection, hotel_id=hotel_id)
        if not rows:
            raise HotelNotFound(hotel_id)
        standings = await repository.latest_standings(connection, hotel_id=hotel_id)
    return _hotel_document(rows, standings)


def _mean(sum_centi: int | None, count: int | None) -> float | None:
    """Summaries sum ratings in hundredths: mean = sum / count / 100, shown with 2 decimals."""
    if not count or sum_centi is None:
        return None
    return round(sum_centi / count / 100, 2)


def _list_item(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "external_id": row["external_id"],
        "name": row["name"],
        "city": row["city"],
        "country": row["country"],
        "stars": row["stars"],
        "review_count": row["review_count"] or 0,
        "average_rating": _mean(row["rating_sum_centi"], row["review_count"]),
        "latest_review_at": row["latest_review_at"],
    }


def _hotel_document(rows: Sequence[Row[Any]], standings: Sequence[Row[Any]]) -> dict[str, Any]:
    hotel = rows[0]._mapping
    histogram = dict.fromkeys(HISTOGRAM_KEYS, 0)
    by_provider, by_aspect, by_traveller_type = [], [], []
    for row in rows:
        part = row._mapping
        dimension, key, count = part["dimension"], part["key"], part["breakdown_count"]
        mean = _mean(part["breakdown_sum_centi"], count)
        if dimension == "histogram" and key in histogram:
            histogram[key] = count
        elif dimension == "provider" and key.isdigit():
            by_provider.append(
                {
                    "provider_id": int(key),
                    "provider_name": part["provider_name"],
                    "review_count": count,
                    "average_rating": mean,
                }
            )
        elif dimension == "aspect":
            by_aspect.append({"aspect": key, "review_count": count, "average_rating": mean})
        elif dimension == "traveller_type":
            by_traveller_type.append(
                {"traveller_type": key, "review_count": count, "average_rating": mean}
            )
    by_provider.sort(key=lambda item: (-item["review_count"], item["provider_id"]))
    by_aspect.sort(key=lambda item: item["aspect"])
    by_traveller_type.sort(key=lambda item: (-item["review_count"], item["traveller_type"]))
    latitude, longitude = hotel["latitude"], hotel["longitude"]
    review_count = hotel["review_count"] or 0
    return {
        "id": hotel["id"],
        "external_id": hotel["external_id"],
        "name": hotel["name"],
        "city": hotel["city"],
        "country": hotel["country"],
        "address": hotel["address"],
        "stars": hotel["stars"],
        "coordinates": {"latitude": latitude, "longitude": longitude}
        if latitude is not None and longitude is not None
        else None,
        "amenities": list(hotel["amenities"] or []),
        "review_count": review_count,
        "average_rating": _mean(hotel["rating_sum_centi"], review_count),
        "latest_review_at": hotel["latest_review_at"],
        "histogram": histogram,
        "by_provider": by_provider,
        "by_aspect": by_aspect,
        "by_traveller_type": by_traveller_type,
        "provider_standings": [
            {
                "provider_id": standing.provider_id,
                "provider_name": standing.provider_name,
                "score": standing.score,
                "review_count": standing.review_count,
                "grades": standing.grades or {},
                "as_of": standing.as_of,
            }
            for standing in standings
        ],
        "created_at": hotel["created_at"],
        "updated_at": hotel["updated_at"],
    }
