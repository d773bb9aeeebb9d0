"""What a client can narrow a review list or search by (shared by reviews and search)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReviewFilters:
    provider_id: int | None = None
    min_rating: float | None = None  # normalised 10-point scale, inclusive
    max_rating: float | None = None
    since: datetime | None = None  # inclusive, aware
    until: datetime | None = None  # inclusive, aware (a date means the end of that day)
    language: str | None = None
    traveller_type: str | None = None
    has_response: bool | None = None
    flagged: bool | None = None  # has (or has not) a duplicate-detection flag
