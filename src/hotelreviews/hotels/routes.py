"""HTTP routes of hotels: parse, call one service function, return JSON bytes.

A hotel's reviews (GET /hotels/{hotel_id}/reviews) are the reviews domain's (reviews.routes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from hotelreviews.api.deps import Reads
from hotelreviews.api.fast_path import fast_path
from hotelreviews.api.problem_details import NOT_FOUND, PROBLEMS
from hotelreviews.api.reads import plain_reads
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.hotels import service
from hotelreviews.hotels.parameters import HotelId, HotelQuery, TrendQuery, plain_hotel_id
from hotelreviews.hotels.schemas import (
    Aspect,
    HotelPage,
    HotelRead,
    HotelSort,
    HotelTrend,
    TrendBucket,
)
from hotelreviews.protection.expensive import Page

router = APIRouter(prefix="/hotels", tags=["hotels"], route_class=CacheableRoute)


@router.get("", response_model=HotelPage, responses=PROBLEMS)
async def list_hotels(
    reads: Reads,
    page: Page,
    filters: HotelQuery,
    sort: Annotated[
        HotelSort, Query(description="rating and reviews: highest first; name: A to Z.")
    ] = HotelSort.rating,
) -> Response:
    """List hotels with their review count and average rating, filtered and sorted."""
    return await reads.json(service.list_hotels, filters=filters, sort=sort.value, page=page)


def _plain_get_hotel(request: Request) -> dict[str, Any] | None:
    # No query parameters: any query string is ignored, as FastAPI ignores it.
    reads, hotel_id = plain_reads(request), plain_hotel_id(request)
    if reads is None or hotel_id is None:
        return None
    return {"reads": reads, "hotel_id": hotel_id}


@router.get("/{hotel_id}", response_model=HotelRead, responses=NOT_FOUND)
@fast_path(_plain_get_hotel)
async def get_hotel(reads: Reads, hotel_id: HotelId) -> Response:
    """One hotel with its review summary, rating breakdowns and provider standings."""
    return await reads.json(service.get_hotel, hotel_id=hotel_id)


@router.get("/{hotel_id}/trend", response_model=HotelTrend, responses=NOT_FOUND)
async def get_hotel_trend(
    reads: Reads,
    hotel_id: HotelId,
    filters: TrendQuery,
    bucket: Annotated[
        TrendBucket, Query(description="month: calendar months; week: ISO weeks from Monday.")
    ] = TrendBucket.month,
    aspect: Annotated[
        Aspect | None, Query(description="Give this aspect's sentiment only.")
    ] = None,
) -> Response:
    """Review volume, mean rating and aspect sentiment per month or ISO week (UTC), gaps
    filled with zeros."""
    return await reads.json(
        service.hotel_trend,
        hotel_id=hotel_id,
        bucket=bucket.value,
        filters=filters,
        aspect=aspect,
    )
