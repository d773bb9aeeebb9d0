"""Incremental hotel summaries: what one review adds, and the net change of a batch.

Ratings are counted in hundredths (integers) so that adding an edited review's new version
and subtracting its old one is exact; a re-run always reaches the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

HISTOGRAM = "histogram"
PROVIDER = "provider"
ASPECT = "aspect"
TRAVELLER_TYPE = "traveller_type"


@dataclass(frozen=True, slots=True)
class Contribution:
    """The part of a stored review that hotel summaries depend on."""

    hotel_id: int
    provider_id: int
    rating_normalized: float
    traveller_type: str | None
    aspects: dict[str, float]
    review_date: datetime


def centi(value: float) -> int:
    """A 10-point rating in integer hundredths (ratings are stored with 2 decimals)."""
    return round(value * 100)


def histogram_bucket(rating_normalized: float) -> str:
    """The 1–10 histogram bucket of a rating: rounded half up, ratings under 1 count as 1."""
    return str(min(10, max(1, int(rating_normalized + 0.5))))


@dataclass(slots=True)
class _Tally:
    count: int = 0
    sum_centi: int = 0


@dataclass(slots=True)
class SummaryDelta:
    """Net change of a batch: per hotel, and per (hotel, dimension, key) breakdown."""

    hotels: dict[int, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    latest: dict[int, datetime] = field(default_factory=dict)
    breakdowns: dict[tuple[int, str, str], _Tally] = field(
        default_factory=lambda: defaultdict(_Tally)
    )

    def add(self, contribution: Contribution, sign: int = 1) -> None:
        hotel = contribution.hotel_id
        rating = centi(contribution.rating_normalized)
        self._count(self.hotels[hotel], rating, sign)
        self._count(self.breakdowns[hotel, HISTOGRAM, histogram_bucket(rating / 100)], rating, sign)
        self._count(self.breakdowns[hotel, PROVIDER, str(contribution.provider_id)], rating, sign)
        if contribution.traveller_type:
            key = (hotel, TRAVELLER_TYPE, contribution.traveller_type)
            self._count(self.breakdowns[key], rating, sign)
        for aspect, value in contribution.aspects.items():
            self._count(self.breakdowns[hotel, ASPECT, aspect], centi(value), sign)
        if sign > 0:
            # The latest date only moves forward: an edit that moves a date back is rare and
            # would need a scan of the hotel's reviews, which summaries exist to avoid.
            current = self.latest.get(hotel)
            if current is None or contribution.review_date > current:
                self.latest[hotel] = contribution.review_date

    def replace(self, old: Contribution, new: Contribution) -> None:
        self.add(old, -1)
        self.add(new, +1)

    @staticmethod
    def _count(tally: _Tally, rating_centi: int, sign: int) -> None:
        tally.count += sign
        tally.sum_centi += sign * rating_centi

    def hotel_rows(self) -> list[dict[str, Any]]:
        """Rows for the summary upsert, in hotel order (a fixed lock order avoids deadlocks)."""
        return [
            {
                "hotel_id": hotel,
                "review_count": tally.count,
                "rating_sum_centi": tally.sum_centi,
                "rating_mean": tally.sum_centi / tally.count / 100 if tally.count > 0 else None,
                "latest_review_at": self.latest.get(hotel),
            }
            for hotel, tally in sorted(self.hotels.items())
            if tally.count or tally.sum_centi or hotel in self.latest
        ]

    def breakdown_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "hotel_id": hotel,
                "dimension": dimension,
                "key": key,
                "review_count": tally.count,
                "rating_sum_centi": tally.sum_centi,
            }
            for (hotel, dimension, key), tally in sorted(self.breakdowns.items())
            if tally.count or tally.sum_centi
        ]
