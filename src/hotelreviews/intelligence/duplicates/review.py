"""The review facts duplicate detection reads, and the verdicts it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

VerdictKind = Literal["cross_post", "near_duplicate", "suspicious_burst"]


@dataclass(frozen=True, slots=True)
class ReviewForDedup:
    """A review as duplicate detection sees it (stay_month "YYYY-MM" or None when unknown)."""

    review_id: str
    hotel_id: str
    provider: str
    reviewer_name: str
    reviewer_country: str | None
    review_date: date
    stay_month: str | None
    rating: float
    text: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a newly added review is to reviews already indexed. Flags only: nothing is deleted."""

    kind: VerdictKind
    review_id: str
    matches: tuple[str, ...]
    similarity: float
    message: str
