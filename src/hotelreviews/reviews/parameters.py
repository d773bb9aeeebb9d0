"""Request parsing of the review routes: the review id in the path and the review filters
(a hotel's reviews and search share them).

Every bound is checked here (api.deps' rules) so that nothing a client sends reaches the
database unchecked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from hotelreviews.api.deps import BIGINT_MAX, INT_MAX, Since, Until
from hotelreviews.reviews.filters import ReviewFilters
from hotelreviews.reviews.schemas import TravellerType

ReviewId = Annotated[int, Path(ge=1, le=BIGINT_MAX, examples=[1])]


async def _review_filters(
    provider_id: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    min_rating: Annotated[
        float | None, Query(ge=0, le=10, allow_inf_nan=False, description="10-point scale.")
    ] = None,
    max_rating: Annotated[
        float | None, Query(ge=0, le=10, allow_inf_nan=False, description="10-point scale.")
    ] = None,
    since: Annotated[
        Since | None,
        Query(description="Date or datetime with offset, inclusive.", examples=["2025-03-01"]),
    ] = None,
    until: Annotated[
        Until | None,
        Query(description="Date (whole day) or datetime with offset, inclusive."),
    ] = None,
    language: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$", max_length=16)
    ] = None,
    traveller_type: TravellerType | None = None,
    has_response: bool | None = None,
    flagged: Annotated[
        bool | None,
        Query(description="Only reviews duplicate detection flagged (true) or did not (false)."),
    ] = None,
) -> ReviewFilters:
    return ReviewFilters(
        provider_id=provider_id,
        min_rating=min_rating,
        max_rating=max_rating,
        since=since,
        until=until,
        language=language,
        traveller_type=traveller_type.value if traveller_type else None,
        has_response=has_response,
        flagged=flagged,
    )


ReviewQuery = Annotated[ReviewFilters, Depends(_review_filters)]
