"""HTTP routes of reviews (one review, a hotel's reviews): parse, call one service function,
return JSON bytes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hotelreviews.api.deps import Reads
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.hotels.parameters import HotelId
from hotelreviews.protection.expensive import Page
from hotelreviews.reviews import service
from hotelreviews.reviews.parameters import ReviewId, ReviewQuery
from hotelreviews.reviews.schemas import ReviewPage, ReviewRead, ReviewSort

router = APIRouter(prefix="/reviews", tags=["reviews"], route_class=CacheableRoute)
# A hotel's reviews: under /hotels (and tagged so), served by this domain.
hotel_reviews_router = APIRouter(prefix="/hotels", tags=["hotels"], route_class=CacheableRoute)


@router.get("/{review_id}", response_model=ReviewRead, responses=NOT_FOUND)
async def get_review(reads: Reads, review_id: ReviewId) -> Response:
    """One review with all its fields, its provider and its hotel."""
    return await reads.json(service.get_review, review_id=review_id)


@hotel_reviews_router.get("/{hotel_id}/reviews", response_model=ReviewPage, responses=NOT_FOUND)
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
