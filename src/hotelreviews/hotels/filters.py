"""What a client can narrow the hotel list by."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HotelFilters:
    city: str | None = None  # case-insensitive exact
    country: str | None = None  # case-insensitive exact
    min_rating: float | None = None  # mean rating on the 10-point scale
    min_reviews: int | None = None
    q: str | None = None  # name contains, case-insensitive
