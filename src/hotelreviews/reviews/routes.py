"""HTTP routes of reviews: parse, call one service function, return JSON bytes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hotelreviews.api.deps import Reads, ReviewId
from hotelreviews.api.problems import NOT_FOUND
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.reviews import service
from hotelreviews.reviews.schemas import ReviewRead

router = APIRouter(prefix="/reviews", tags=["reviews"], route_class=CacheableRoute)


@router.get("/{review_id}", response_model=ReviewRead, responses=NOT_FOUND)
async def get_review(reads: Reads, review_id: ReviewId) -> Response:
    """One review with all its fields, its provider and its hotel."""
    return await reads.json(service.get_review, review_id=review_id)
