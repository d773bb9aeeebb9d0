"""GET /api/v1/hotels/{hotel_id}/aspect-samples: public like the hotel's reputation, and cached
like it — keyed by the hotel's version (cache.versions: every /hotels/{id}/... path), which
the runner bumps whenever it rescores the hotel, so new samples show with the new scores."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from hotelreviews.api.deps import Reads
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.hotels.parameters import HotelId
from hotelreviews.intelligence.keys import ASPECTS
from hotelreviews.intelligence.samples.schemas import AspectSamplesPage
from hotelreviews.intelligence.samples.service import aspect_samples_read

AspectKey = Literal[ASPECTS]  # type: ignore[valid-type]  # the ten keys, as an enum
MAX_PER_ASPECT = 5

router = APIRouter(prefix="/hotels", tags=["hotels"], route_class=CacheableRoute)


@router.get("/{hotel_id}/aspect-samples", response_model=AspectSamplesPage, responses=NOT_FOUND)
async def get_aspect_samples(
    reads: Reads,
    hotel_id: HotelId,
    aspect: Annotated[
        AspectKey | None, Query(description="Only this aspect; every aspect when absent.")
    ] = None,
    per_aspect: Annotated[
        int, Query(ge=1, le=MAX_PER_ASPECT, description="Positive and negative sentences each.")
    ] = 2,
) -> Response:
    """What guests said about each aspect: from the hotel's newest analysed reviews, the
    strongest positive and negative sentences, each with its review, date and provider;
    status "not_analysed" (no aspects) until the intelligence runner has analysed a review."""
    return await reads.json(
        aspect_samples_read, hotel_id=hotel_id, aspect=aspect, per_aspect=per_aspect
    )
