"""HTTP route of review search: parse, call the service, return JSON bytes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from hotelreviews.api.deps import BIGINT_MAX, NO_NUL, Reads, Text, plain_first_page
from hotelreviews.api.fast_path import fast_path, query_of, whole_number
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.reads import plain_reads
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.protection.expensive import Expensive, Page
from hotelreviews.reviews.filters import ReviewFilters
from hotelreviews.reviews.parameters import ReviewQuery
from hotelreviews.search import service
from hotelreviews.search.schemas import ReviewSearchPage

router = APIRouter(prefix="/reviews", tags=["search"], route_class=CacheableRoute)


MAX_QUERY_LENGTH = 200
_PLAIN_SEARCH_QUERY = frozenset({"q", "hotel_id", "limit"})


def _plain_search(request: Request) -> dict[str, Any] | None:
    """A first page without filters: `q`, and `hotel_id` and `limit` if any."""
    query = query_of(request, _PLAIN_SEARCH_QUERY)
    if query is None:
        return None
    q, hotel = query.get("q"), query.get("hotel_id")
    if q is None or not 0 < len(q) <= MAX_QUERY_LENGTH or "\x00" in q:
        return None
    hotel_id = None if hotel is None else whole_number(hotel, high=BIGINT_MAX)
    reads, page = plain_reads(request), plain_first_page(request, query.get("limit"))
    if reads is None or page is None or (hotel is not None and hotel_id is None):
        return None
    return {
        "request": request,
        "reads": reads,
        "q": q,
        "page": page,
        "filters": ReviewFilters(),
        "hotel_id": hotel_id,
    }


@router.get(
    "/search", response_model=ReviewSearchPage, responses=NOT_FOUND, dependencies=[Expensive]
)
@fast_path(_plain_search)
async def search_reviews(
    request: Request,
    reads: Reads,
    q: Annotated[
        Text,
        Query(
            min_length=1,
            max_length=MAX_QUERY_LENGTH,
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
