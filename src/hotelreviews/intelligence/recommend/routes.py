"""GET /api/v1/hotels/{hotel_id}/similar, /recommendations, /recommendations/traveller-types
and /recommendations/for-reviewer: public reads, cached like the hotel pages (a hotel's
`similar` by its version, the rest by the global version; the runner bumps both).

Per-reviewer recommendations have their own route rather than parameters on
/recommendations: they take a reviewer (and a 404 when there is none) where the other takes a
traveller type, and answer with the reviewer and the basis of the ranking.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hotelreviews.api.deps import NO_NUL, PageQuery, Reads, Text
from hotelreviews.api.problem_details import NOT_FOUND, PROBLEMS
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.hotels.parameters import HotelId
from hotelreviews.intelligence.recommend import service
from hotelreviews.intelligence.recommend.schemas import (
    RecommendationPage,
    ReviewerRecommendationPage,
    SimilarHotelsRead,
    TravellerTypesRead,
)
from hotelreviews.protection.expensive import expensive_slot
from hotelreviews.reviews.schemas import TravellerType

router = APIRouter(tags=["recommendations"], route_class=CacheableRoute)

City = Annotated[
    Text,
    Query(min_length=1, max_length=200, examples=["Singapore"], json_schema_extra=NO_NUL),
]


@router.get("/hotels/{hotel_id}/similar", response_model=SimilarHotelsRead, responses=NOT_FOUND)
async def get_similar_hotels(
    request: Request,
    reads: Reads,
    hotel_id: HotelId,
    limit: Annotated[int, Query(ge=1, le=50, description="Hotels to return.")] = 10,
    same_city: Annotated[
        bool, Query(description="Only hotels of the same city (false: every scored hotel).")
    ] = True,
) -> Response:
    """The hotels most like this one by aspect profile and review text; an empty list with
    status "not_scored" until the intelligence runner has scored it."""
    arguments = {"hotel_id": hotel_id, "limit": limit, "same_city": same_city}
    if same_city:
        return await reads.json(service.similar_hotels_read, **arguments)
    async with expensive_slot(request):  # compares with every scored hotel
        return await reads.json(service.similar_hotels_read, **arguments)


@router.get("/recommendations", response_model=RecommendationPage, responses=PROBLEMS)
async def list_recommendations(
    reads: Reads,
    page: PageQuery,
    city: City,
    traveller_type: Annotated[
        TravellerType | None, Query(description="Omitted: ranked for every traveller.")
    ] = None,
) -> Response:
    """A city's scored hotels ranked for a traveller type: the weights its ratings taught the
    model, blended with popularity (docs/intelligence/recommendations.md)."""
    return await reads.json(
        service.recommendations_read,
        city=city,
        traveller_type=None if traveller_type is None else traveller_type.value,
        page=page,
    )


@router.get(
    "/recommendations/traveller-types", response_model=TravellerTypesRead, responses=PROBLEMS
)
async def list_traveller_types(reads: Reads) -> Response:
    """What each traveller type rates highly, as learned from its ratings."""
    return await reads.json(service.traveller_types_read)


@router.get(
    "/recommendations/for-reviewer",
    response_model=ReviewerRecommendationPage,
    responses=NOT_FOUND,
)
async def list_reviewer_recommendations(
    reads: Reads,
    page: PageQuery,
    name: Annotated[
        Text,
        Query(
            min_length=1,
            max_length=200,
            description="The reviewer's name as their reviews give it.",
            examples=["Anna"],
            json_schema_extra=NO_NUL,
        ),
    ],
    country: Annotated[
        Text | None,
        Query(
            min_length=1,
            max_length=200,
            description="The reviewer's country as their reviews give it; omitted: the "
            "reviewer whose reviews give none.",
            json_schema_extra=NO_NUL,
        ),
    ] = None,
    city: Annotated[
        Text | None,
        Query(
            min_length=1,
            max_length=200,
            description="Omitted: the city of the reviewer's latest review.",
            json_schema_extra=NO_NUL,
        ),
    ] = None,
) -> Response:
    """Hotels for one reviewer (a name and country of the reviews), those they reviewed left
    out: ranked by weights fitted on their ratings when they have a history, else by their
    traveller type's (`basis`); 404 reviewer_not_found when no review has that name."""
    return await reads.json(
        service.reviewer_recommendations_read, name=name, country=country, city=city, page=page
    )
