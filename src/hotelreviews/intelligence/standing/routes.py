"""GET /api/v1/hotels/{hotel_id}/reputation: public like the hotel's detail, and cached like
it — keyed by the hotel's version, which the runner bumps whenever it rescores the hotel."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hotelreviews.api.deps import Reads
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.hotels.parameters import HotelId
from hotelreviews.intelligence.standing.schemas import ReputationRead
from hotelreviews.intelligence.standing.service import hotel_reputation_read

router = APIRouter(prefix="/hotels", tags=["hotels"], route_class=CacheableRoute)


@router.get("/{hotel_id}/reputation", response_model=ReputationRead, responses=NOT_FOUND)
async def get_hotel_reputation(reads: Reads, hotel_id: HotelId) -> Response:
    """The hotel's reputation index (0–100), confidence, aspect scores and competitive set;
    status "not_scored" (figures null) until the intelligence runner has scored it."""
    return await reads.json(hotel_reputation_read, hotel_id=hotel_id)
