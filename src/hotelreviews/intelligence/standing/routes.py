"""GET /api/v1/hotels/{hotel_id}/reputation: public like the hotel's detail, and cached like
it — keyed by the hotel's version, which the runner bumps whenever it rescores the hotel.

GET /api/v1/hotels/{hotel_id}/competitive-set: public, not cached: its members' indices
change whenever the runner rescores any of them, which the hotel's own version does not follow
(one indexed read of the set)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hotelreviews.api.deps import Reads
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.hotels.parameters import HotelId
from hotelreviews.intelligence.standing.schemas import CompetitiveSetPage, ReputationRead
from hotelreviews.intelligence.standing.service import competitive_set_read, hotel_reputation_read
from hotelreviews.protection.expensive import Page

router = APIRouter(prefix="/hotels", tags=["hotels"], route_class=CacheableRoute)
uncached = APIRouter(prefix="/hotels", tags=["hotels"])


@router.get("/{hotel_id}/reputation", response_model=ReputationRead, responses=NOT_FOUND)
async def get_hotel_reputation(reads: Reads, hotel_id: HotelId) -> Response:
    """The hotel's reputation index (0–100), confidence, aspect scores and competitive set;
    status "not_scored" (figures null) until the intelligence runner has scored it."""
    return await reads.json(hotel_reputation_read, hotel_id=hotel_id)


@uncached.get("/{hotel_id}/competitive-set", response_model=CompetitiveSetPage, responses=NOT_FOUND)
async def get_competitive_set(reads: Reads, hotel_id: HotelId, page: Page) -> Response:
    """The hotels the reputation index ranks this one among (its city's hotels of the same
    star band), best first, with their indices; status "not_scored" until the runner has
    scored it."""
    return await reads.json(competitive_set_read, hotel_id=hotel_id, page=page)
