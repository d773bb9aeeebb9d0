"""What a client can narrow the hotel list and a hotel's rating trend by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class HotelFilters:
    city: str | None = None  # case-insensitive exact
    country: str | None = None  # case-insensitive exact
    min_rating: float | None = None  # mean rating on the 10-point scale
    min_reviews: int | None = None
    q: str | None = None  # name contains, case-insensitive


@dataclass(frozen=True, slots=True)
class TrendFilters:
    """What a client can narrow a hotel's rating trend by."""

    provider_id: int | None = None
    since: datetime | None = None  # review_date >= since
    until: datetime | None = None  # review_date <= until
