"""HTTP route of review search: parse, call the service, return JSON bytes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hotelreviews.api.deps import BIGINT_MAX, NO_NUL, Reads, Text
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.protection.expensive import Expensive, Page
from hotelreviews.reviews.parameters import ReviewQuery
from hotelreviews.search import service
from hotelreviews.search.schemas import ReviewSearchPage

router = APIRouter(prefix="/reviews", tags=["search"], route_class=CacheableRoute)


@router.get(
    "/search", response_model=ReviewSearchPage, responses=NOT_FOUND, dependencies=[Expensive]
)
async def search_reviews(
    request: Request,
    reads: Reads,
    q: Annotated[
        Text,
        Query(
            min_length=1,
            max_length=200,
            description='Web-search syntax: words, "exact phrases", -excluded, a OR b.',
            examples=["quiet room -noisy", '"great breakfast" OR buffet'],
            json_schema_extra=NO_NUL,
        ),
    ],
    page: Page,
    filters: ReviewQuery,
    hotel_id: Annotated[int | None, Query(ge=1, le=BIGINT_MAX)] = None,
) -> Response:
    """Full-text search over review titles and texts, best match first, with snippets.

    At most 12 words (configurable; those of phrases and exclusions count too)."""
    return await reads.json(
        service.search_reviews,
        q=q,
        hotel_id=hotel_id,
        filters=filters,
        page=page,
        max_words=request.app.state.settings.search_max_words,
    )
