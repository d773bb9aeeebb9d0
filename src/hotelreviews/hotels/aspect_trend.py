"""The aspect sentiment of a hotel's trend: its reviews' stored opinions (review_opinions, the
intelligence runner's) folded into the trend's buckets.

A review counts once per aspect, with the polarity its opinions lean to
(intelligence.opinions.polarity), as the reputation index and the alert detectors count it.
Each bucket also says how many of its reviews were analysed: a bucket with reviews but no
aspect counts is "not analysed yet", not "no complaints".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hotelreviews.intelligence.opinions.polarity import review_polarities


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the day's month, or the Monday of its ISO week (as the SQL buckets)."""
    return day - timedelta(days=day.weekday()) if bucket == "week" else day.replace(day=1)


@dataclass(slots=True)
class BucketAspects:
    """One bucket's analysed reviews and, per aspect, its positive and negative reviews."""

    analysed: int = 0
    counts: dict[str, list[int]] = field(default_factory=dict)  # aspect -> [positive, negative]

    def as_list(self) -> list[dict[str, Any]]:
        """Aspects with mentions only, in key order; the positive share to 2 decimals."""
        return [
            {
                "aspect": aspect,
                "positive": positive,
                "negative": negative,
                "positive_share": round(positive / (positive + negative), 2),
            }
            for aspect, (positive, negative) in sorted(self.counts.items())
        ]


def fold(
    rows: Iterable[Any], *, bucket: str, aspect: str | None = None
) -> dict[date, BucketAspects]:
    """Rows of (review_day, opinions) as aspect counts per bucket start; `aspect`: that one
    only (the analysed counts stay every review's)."""
    buckets: dict[date, BucketAspects] = {}
    for review_day, opinions in rows:
        found = buckets.setdefault(bucket_start(review_day, bucket), BucketAspects())
        found.analysed += 1
        for key, polarity in review_polarities(opinions):
            if aspect is not None and key != aspect:
                continue
            counts = found.counts.setdefault(key, [0, 0])
            counts[0 if polarity == "positive" else 1] += 1
    return buckets
