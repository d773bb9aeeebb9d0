"""Hotel use cases: the filtered hotel list, one hotel with its review summary, and its
rating trend.

The trend's buckets are computed in SQL (repository); the empty buckets between the first and
the last non-empty one are filled in here (0 reviews, null averages), so a chart needs no gap
logic. A trend spans at most MAX_TREND_BUCKETS of a size: a longer one keeps the newest
buckets and says `clipped` (narrow it with `until` to see older ones). The raw average is
given only when every review of the bucket has the same rating scale (else it would mix
5-point and 10-point ratings); the normalised (10-point) one always. Each bucket carries the
aspect sentiment of its analysed reviews (hotels.aspect_trend), read for the shown buckets only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.driver_reads import prepared_reads
from hotelreviews.core.errors import HotelNotFound
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.hotels import repository
from hotelreviews.hotels.aspect_trend import BucketAspects, fold
from hotelreviews.hotels.filters import HotelFilters, TrendFilters

HISTOGRAM_KEYS = tuple(str(bucket) for bucket in range(1, 11))
# Twenty years of months, ten of weeks: more points than any chart shows.
MAX_TREND_BUCKETS = {"month": 240, "week": 520}


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
    async with prepared_reads(engine) as connection:
        row = await repository.hotel_document(connection, hotel_id=hotel_id)
    if row is None:
        raise HotelNotFound(hotel_id)
    return _hotel_document(row)


async def hotel_trend(
    *,
    engine: AsyncEngine,
    hotel_id: int,
    bucket: str,
    filters: TrendFilters,
    aspect: str | None = None,
) -> dict[str, Any]:
    """The hotel's review volume, mean ratings and aspect sentiment per month or ISO week,
    oldest first; `aspect`: that aspect's sentiment only."""
    limit = MAX_TREND_BUCKETS[bucket]
    async with read_transaction(engine) as connection:
        rows = await repository.rating_trend(
            connection, hotel_id=hotel_id, bucket=bucket, filters=filters
        )
        if not rows and not await repository.hotel_exists(connection, hotel_id=hotel_id):
            raise HotelNotFound(hotel_id)
        found = {_as_date(row.start): row for row in rows}
        starts = _bucket_starts(min(found), max(found), bucket, limit + 1) if found else []
        shown = starts[-limit:]
        opinions = (
            await repository.trend_opinions(
                connection, hotel_id=hotel_id, first_day=shown[0], filters=filters
            )
            if shown
            else []
        )
    aspects = fold(opinions, bucket=bucket, aspect=aspect)
    points = [_trend_point(start, found.get(start), aspects.get(start)) for start in shown]
    return {
        "hotel_id": hotel_id,
        "bucket": bucket,
        "aspect": aspect,
        "clipped": len(starts) > limit,
        "aspects_analysed": all(point["reviews_analysed"] >= point["reviews"] for point in points),
        "points": points,
    }


def _as_date(value: Any) -> date:
    # PostgreSQL gives a date; SQLite's text is parsed by the Date type, or left as text.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _bucket_starts(first: date, last: date, bucket: str, at_most: int) -> list[date]:
    """The starts of every bucket from first to last, oldest first; only the newest `at_most`
    (counted backwards from the last, so a span of centuries costs no more than a short one)."""
    starts, start = [], last
    while start >= first and len(starts) < at_most:
        starts.append(start)
        try:
            if bucket == "week":
                start -= timedelta(days=7)
            elif start.month == 1:
                start = date(start.year - 1, 12, 1)
            else:
                start = start.replace(month=start.month - 1)
        except (OverflowError, ValueError):  # before year 1: nothing older
            break
    starts.reverse()
    return starts


def _trend_point(
    start: date, row: Row[Any] | None, aspects: BucketAspects | None
) -> dict[str, Any]:
    analysed = {
        "reviews_analysed": aspects.analysed if aspects else 0,
        "aspects": aspects.as_list() if aspects else [],
    }
    if row is None:
        return {
            "start": start,
            "reviews": 0,
            "average_rating_normalized": None,
            "average_rating": None,
            "rating_scale": None,
            **analysed,
        }
    one_scale = row.min_scale == row.max_scale
    return {
        "start": start,
        "reviews": row.reviews,
        "average_rating_normalized": round(row.average_normalized, 2),
        "average_rating": round(row.average_raw, 2) if one_scale else None,
        "rating_scale": row.max_scale if one_scale else None,
        **analysed,
    }


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


def _hotel_document(hotel: Mapping[str, Any]) -> dict[str, Any]:
    histogram = dict.fromkeys(HISTOGRAM_KEYS, 0)
    by_provider, by_aspect, by_traveller_type = [], [], []
    for dimension, key, count, sum_centi, provider_name in hotel["breakdowns"] or ():
        mean = _mean(sum_centi, count)
        if dimension == "histogram" and key in histogram:
            histogram[key] = count
        elif dimension == "provider" and key.isdigit():
            by_provider.append(
                {
                    "provider_id": int(key),
                    "provider_name": provider_name,
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
                "provider_id": provider_id,
                "provider_name": provider_name,
                "score": score,
                "review_count": standing_reviews,
                "grades": grades or {},
                # JSON carries the date as ISO text (both databases)
                "as_of": date.fromisoformat(as_of),
            }
            for provider_id, provider_name, score, standing_reviews, grades, as_of in sorted(
                hotel["standings"] or (), key=lambda standing: standing[0]
            )
        ],
        "created_at": hotel["created_at"],
        "updated_at": hotel["updated_at"],
    }
