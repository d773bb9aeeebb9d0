"""HTTP routes of reviews (one review, a hotel's reviews): parse, call one service function,
return JSON bytes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hotelreviews.api.deps import Reads, plain_first_page
from hotelreviews.api.fast_path import fast_path, query_of
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.reads import plain_reads
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.hotels.parameters import HotelId, plain_hotel_id
from hotelreviews.protection.expensive import Page
from hotelreviews.reviews import service
from hotelreviews.reviews.filters import ReviewFilters
from hotelreviews.reviews.parameters import ReviewId, ReviewQuery
from hotelreviews.reviews.schemas import ReviewPage, ReviewRead, ReviewSort

router = APIRouter(prefix="/reviews", tags=["reviews"], route_class=CacheableRoute)
# A hotel's reviews: under /hotels (and tagged so), served by this domain.
hotel_reviews_router = APIRouter(prefix="/hotels", tags=["hotels"], route_class=CacheableRoute)


@router.get("/{review_id}", response_model=ReviewRead, responses=NOT_FOUND)
async def get_review(reads: Reads, review_id: ReviewId) -> Response:
    """One review with all its fields, its provider and its hotel."""
    return await reads.json(service.get_review, review_id=review_id)


_PLAIN_PAGE_QUERY = frozenset({"limit", "sort"})
_SORTS = {sort.value: sort for sort in ReviewSort}


def _plain_hotel_reviews(request: Request) -> dict[str, Any] | None:
    """A first page without filters: only `limit` and `sort`, if any."""
    query = query_of(request, _PLAIN_PAGE_QUERY)
    if query is None:
        return None
    reads, hotel_id = plain_reads(request), plain_hotel_id(request)
    page = plain_first_page(request, query.get("limit"))
    sort = _SORTS.get(query.get("sort", ReviewSort.newest.value))
    if reads is None or hotel_id is None or page is None or sort is None:
        return None
    return {
        "reads": reads,
        "hotel_id": hotel_id,
        "page": page,
        "filters": ReviewFilters(),
        "sort": sort,
    }


@hotel_reviews_router.get("/{hotel_id}/reviews", response_model=ReviewPage, responses=NOT_FOUND)
@fast_path(_plain_hotel_reviews)
async def list_hotel_reviews(
    reads: Reads,
    hotel_id: HotelId,
    page: Page,
    filters: ReviewQuery,
    sort: ReviewSort = ReviewSort.newest,
) -> Response:
    """A hotel's reviews, filtered and sorted; pages stay correct while reviews arrive."""
    return await reads.json(
        service.list_hotel_reviews,
        hotel_id=hotel_id,
        filters=filters,
        sort=sort.value,
        page=page,
    )
