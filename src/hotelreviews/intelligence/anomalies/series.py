"""A hotel's daily review series, held as dense day-indexed arrays.

The detectors read counts and sums per day, never single reviews: that is what a storage layer
can aggregate cheaply, and it keeps every detector a pure function of numbers. The arrays are
dense (a day with no reviews is a zero) so that "the data up to `as_of`" is a slice, not a
search: an online caller evaluates the same series once a day and each call stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DayBucket:
    """One day of a hotel's reviews: count, mean normalised rating (0..1), aspect opinions."""

    day: date
    reviews: int
    mean_rating: float
    aspect_positive: Mapping[str, int] = field(default_factory=dict)
    aspect_negative: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False)
class HotelSeries:
    """A hotel's days from `start`, one array slot per day (zeros where nothing was reviewed)."""

    hotel_id: str
    start: date
    counts: FloatArray
    rating_sums: FloatArray
    aspect_positive: Mapping[str, FloatArray]
    aspect_negative: Mapping[str, FloatArray]

    @property
    def days(self) -> int:
        """How many days the series covers."""
        return int(self.counts.shape[0])

    def index_of(self, day: date) -> int:
        """The array index of `day` (may be outside the series)."""
        return (day - self.start).days

    def day_at(self, index: int) -> date:
        """The date at array index `index`."""
        return self.start + timedelta(days=index)

    def up_to(self, as_of: date) -> HotelSeries:
        """The same series cut after `as_of`: what an online detector may see that day."""
        end = max(0, min(self.days, self.index_of(as_of) + 1))
        return HotelSeries(
            hotel_id=self.hotel_id,
            start=self.start,
            counts=self.counts[:end],
            rating_sums=self.rating_sums[:end],
            aspect_positive={k: v[:end] for k, v in self.aspect_positive.items()},
            aspect_negative={k: v[:end] for k, v in self.aspect_negative.items()},
        )


def series_from_days(*, hotel_id: str, days: Iterable[DayBucket]) -> HotelSeries:
    """Dense arrays from sparse day buckets (any order; a day given twice is summed)."""
    buckets = sorted(days, key=lambda bucket: bucket.day)
    if not buckets:
        empty = np.zeros(0)
        return HotelSeries(hotel_id, date(1970, 1, 1), empty, empty, {}, {})
    start = buckets[0].day
    length = (buckets[-1].day - start).days + 1
    counts = np.zeros(length)
    rating_sums = np.zeros(length)
    positive: dict[str, FloatArray] = {}
    negative: dict[str, FloatArray] = {}
    for bucket in buckets:
        index = (bucket.day - start).days
        counts[index] += bucket.reviews
        rating_sums[index] += bucket.reviews * bucket.mean_rating
        for target, opinions in (
            (positive, bucket.aspect_positive),
            (negative, bucket.aspect_negative),
        ):
            for aspect, count in opinions.items():
                target.setdefault(aspect, np.zeros(length))[index] += count
    for aspect in set(positive) | set(negative):
        positive.setdefault(aspect, np.zeros(length))
        negative.setdefault(aspect, np.zeros(length))
    return HotelSeries(hotel_id, start, counts, rating_sums, positive, negative)


def week_start(day: date) -> date:
    """The Monday of `day`'s week: weekly buckets and alert onsets align to it."""
    return day - timedelta(days=day.weekday())
