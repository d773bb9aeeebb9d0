"""Request parsing of the hotel routes: the hotel id in the path, the list and trend filters.

Every bound is checked here (api.deps' rules) so that nothing a client sends reaches the
database unchecked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from hotelreviews.api.deps import BIGINT_MAX, INT_MAX, NO_NUL, Since, Text, Until
from hotelreviews.api.fast_path import whole_number
from hotelreviews.hotels.filters import HotelFilters, TrendFilters

HotelId = Annotated[int, Path(ge=1, le=BIGINT_MAX, examples=[1])]


def plain_hotel_id(request: Request) -> int | None:
    """HotelId of a path that writes it plainly (api.fast_path), else None."""
    return whole_number(request.path_params.get("hotel_id"), high=BIGINT_MAX)


async def _hotel_filters(
    city: Annotated[
        Text | None,
        Query(min_length=1, max_length=200, examples=["Singapore"], json_schema_extra=NO_NUL),
    ] = None,
    country: Annotated[
        Text | None, Query(min_length=1, max_length=200, json_schema_extra=NO_NUL)
    ] = None,
    min_rating: Annotated[
        float | None, Query(ge=0, le=10, allow_inf_nan=False, description="10-point scale.")
    ] = None,
    min_reviews: Annotated[int | None, Query(ge=0, le=INT_MAX)] = None,
    q: Annotated[
        Text | None,
        Query(min_length=1, max_length=100, description="Name contains.", json_schema_extra=NO_NUL),
    ] = None,
) -> HotelFilters:
    return HotelFilters(
        city=city, country=country, min_rating=min_rating, min_reviews=min_reviews, q=q
    )


HotelQuery = Annotated[HotelFilters, Depends(_hotel_filters)]


async def _trend_filters(
    provider_id: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    since: Annotated[
        Since | None,
        Query(description="Date or datetime with offset, inclusive.", examples=["2025-01-01"]),
    ] = None,
    until: Annotated[
        Until | None,
        Query(description="Date (whole day) or datetime with offset, inclusive."),
    ] = None,
) -> TrendFilters:
    return TrendFilters(provider_id=provider_id, since=since, until=until)


TrendQuery = Annotated[TrendFilters, Depends(_trend_filters)]
