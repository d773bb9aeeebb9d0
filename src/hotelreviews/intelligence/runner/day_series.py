"""A hotel's reviews summed per UTC day (count, rating positions, aspect polarities), and the
runner's memory of them between steps.

The detectors read a touched hotel's last 31 weeks as day buckets. Read from the database at
every step, a runner keeping up with ingestion re-read and re-summed those weeks for each
touched hotel at each step although a step brings it a handful of reviews: that was most of
the detection's cost (bench/runner_stages.py --follow). `DayMemory` keeps each hotel's sums as
the runner last committed them, and a step adds only its new reviews.

It is only ever a copy of what the database says, and used only when it provably is:

- it is valid for one cursor, the one its runner last committed; a step that reads another
  (another runner moved it, or a write failed and rolled back) forgets everything first;
- a step's sums are installed only after its transaction commits (`remember`), never while
  planning;
- a hotel with an edited review is read again (the sums cannot subtract the old version), as
  is a hotel first met, and a resynchronisation forgets everything.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hotelreviews.intelligence.anomalies import DayBucket
from hotelreviews.intelligence.opinions.polarity import review_polarities
from hotelreviews.intelligence.reputation import RatedReview, normalise
from hotelreviews.intelligence.runner.analysis import utc_day


@functools.lru_cache(maxsize=1 << 16)
def _position(provider: str, rating: float, rating_scale: float, day: date) -> float:
    # The same ratings recur (a provider's scale has few steps): most calls hit.
    return normalise(provider=provider, rating=rating, rating_scale=rating_scale, review_date=day)


def _day_of(moment: date | datetime) -> date:
    return utc_day(moment) if isinstance(moment, datetime) else moment


@dataclass(slots=True)
class _Day:
    reviews: int = 0
    rating_sum: float = 0.0
    positive: dict[str, int] = field(default_factory=dict)
    negative: dict[str, int] = field(default_factory=dict)

    def copy(self) -> _Day:
        return _Day(self.reviews, self.rating_sum, dict(self.positive), dict(self.negative))


@dataclass(slots=True)
class HotelDays:
    """One hotel's reviews dated `since` or later, summed per UTC day."""

    since: date
    days: dict[date, _Day] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Any], *, since: date) -> HotelDays:
        """From review rows (provider, rating, rating_scale, review_date, stored opinions),
        those with opinions only: a review without (committed after the step's analysis read
        the hotel) is not in the state yet either, and joins both when a step analyses it."""
        summed = cls(since=since)
        for row in rows:
            if row.opinions is None:
                continue
            summed.add(
                provider=row.provider,
                rating=row.rating,
                rating_scale=row.rating_scale,
                day=utc_day(row.review_date),
                polarities=review_polarities(row.opinions),
            )
        return summed

    def add(
        self,
        *,
        provider: str,
        rating: float,
        rating_scale: float,
        day: date,
        polarities: Sequence[tuple[str, str]],
    ) -> None:
        if day < self.since:
            return
        bucket = self.days.get(day)
        if bucket is None:
            bucket = self.days[day] = _Day()
        bucket.reviews += 1
        bucket.rating_sum += _position(provider, rating, rating_scale, day)
        for aspect, polarity in polarities:
            counts = bucket.positive if polarity == "positive" else bucket.negative
            counts[aspect] = counts.get(aspect, 0) + 1

    def with_reviews(self, reviews: Iterable[RatedReview], *, since: date) -> HotelDays:
        """A copy from `since` on (a later start than ours drops the days before it), with
        the reviews added; this one is left as it was (the step may not commit)."""
        moved = HotelDays(
            since=max(since, self.since),
            days={day: b.copy() for day, b in self.days.items() if day >= since},
        )
        for review in reviews:
            moved.add(
                provider=review.provider,
                rating=review.rating,
                rating_scale=review.rating_scale,
                day=_day_of(review.review_date),
                polarities=review.opinions,
            )
        return moved

    def buckets(self, *, as_of: date) -> list[DayBucket]:
        """The days from `since` to `as_of`, oldest first, as the detectors read them."""
        return [
            DayBucket(
                day=day,
                reviews=b.reviews,
                mean_rating=b.rating_sum / b.reviews,
                aspect_positive=b.positive,
                aspect_negative=b.negative,
            )
            for day, b in sorted(self.days.items())
            if day <= as_of
        ]


@dataclass(slots=True)
class DayMemory:
    """Hotels' day sums as of the cursor its runner last committed (see the module's text)."""

    cursor: int | None = None
    hotels: dict[int, HotelDays] = field(default_factory=dict)
    # Bounds the memory (a hotel's 31 weeks are a few KB): the least recently touched go.
    capacity: int = 20_000

    def known(self, hotel_id: int, *, cursor: int | None, since: date) -> HotelDays | None:
        """The hotel's sums if they are those of `cursor` and reach back to `since`."""
        if cursor is None or cursor != self.cursor:
            self.forget()
            return None
        found = self.hotels.get(hotel_id)
        return found if found is not None and found.since <= since else None

    def remember(
        self, summed: Mapping[int, HotelDays], *, planned_at: int | None, cursor: int | None
    ) -> None:
        """After a commit that moved the cursor from `planned_at` to `cursor`: the touched
        hotels' sums as stored. The others' still hold if we held them at `planned_at` (their
        reviews did not change: no event named them)."""
        if cursor is None:
            self.forget()
            return
        if planned_at is None or planned_at != self.cursor:
            self.hotels = {}
        for hotel_id, days in summed.items():
            self.hotels.pop(hotel_id, None)  # re-inserted last: the oldest go first
            self.hotels[hotel_id] = days
        while len(self.hotels) > self.capacity:
            del self.hotels[next(iter(self.hotels))]
        self.cursor = cursor

    def forget(self) -> None:
        self.cursor = None
        self.hotels = {}
