"""A hotel's reputation evidence as sufficient statistics, updated one review at a time.

Every figure the index needs is a ratio of exponentially decayed sums — Σw·x / Σw for the
mean, Σw·x² for the dispersion, Σw over an aspect's positive opinions — with the weight of a
review dated t, seen at time T, w = 2^-((T - t) / half_life). Moving T forward multiplies
every weight by the same factor, so the ratios do not change with time, and the sums can be
kept relative to a reference time and brought to any later time with one multiplication.
The reference is the newest review's date: a newer review rescales the sums once (a constant
number of multiplications), so every stored weight is at most 1 and nothing overflows however
many decades the reviews span (very old weights underflow to 0, which is what they weigh).

Adding a review is therefore O(1), and the state after any order of additions equals the one
computed from the whole history at once (`from_reviews`) up to rounding. The state is a
mutable accumulator rather than a frozen record on purpose: it is updated in place per review
and stored per hotel as the small dict `to_dict` gives.

Providers' aspect grades (`overallByProviders[].grades`) are hotel-level snapshots, not
reviews: the latest one per (provider, grade name) is kept, with its date, and weighted at
scoring time (`index.py`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from hotelreviews.intelligence.reputation.aspects import ASPECT_KEYS, aspect_of_grade
from hotelreviews.intelligence.reputation.scales import normalise

DEFAULT_HALF_LIFE_DAYS = 365.0
POLARITIES = ("positive", "negative")
STATE_VERSION = 1


def day_number(moment: date | datetime) -> float:
    """Days since 1970-01-01 UTC (fractional); a naive datetime or a date is taken as UTC."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() / 86_400.0


@dataclass(frozen=True, slots=True)
class RatedReview:
    """One review as the index sees it: its rating as delivered, and its aspect opinions."""

    provider: str
    rating: float
    rating_scale: float
    review_date: date | datetime
    opinions: tuple[tuple[str, str], ...] = ()  # (aspect key, "positive" | "negative")

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rating) and math.isfinite(self.rating_scale)):
            raise ValueError("rating and rating_scale must be finite")
        if self.rating_scale <= 0:
            raise ValueError(f"rating_scale must be positive, not {self.rating_scale}")
        for aspect, polarity in self.opinions:
            if aspect not in ASPECT_KEYS or polarity not in POLARITIES:
                raise ValueError(f"unknown opinion ({aspect!r}, {polarity!r})")


@dataclass(slots=True)
class AspectSums:
    """Decayed weights of an aspect's positive and negative opinions, and their count."""

    positive: float = 0.0
    negative: float = 0.0
    mentions: int = 0


@dataclass(frozen=True, slots=True)
class GradeSnapshot:
    """A provider's latest grade for one of its categories, as a position 0..1."""

    aspect: str
    position: float
    day: float


class HotelReputationState:
    """A hotel's decayed rating and opinion sums, relative to its newest review's date."""

    __slots__ = (
        "half_life_days",
        "reference_day",
        "count",
        "weight",
        "weight_squares",
        "total",
        "squares",
        "aspects",
        "grades",
    )

    def __init__(self, *, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> None:
        if not (math.isfinite(half_life_days) and half_life_days > 0):
            raise ValueError(f"half_life_days must be positive, not {half_life_days}")
        self.half_life_days = float(half_life_days)
        self.reference_day: float | None = None  # the newest review's day number
        self.count = 0  # reviews added, undecayed
        self.weight = 0.0  # Σw
        self.weight_squares = 0.0  # Σw², for the dispersion's degrees of freedom
        self.total = 0.0  # Σw·x, x the rating's position 0..1
        self.squares = 0.0  # Σw·x²
        self.aspects: dict[str, AspectSums] = {}
        self.grades: dict[str, GradeSnapshot] = {}  # "provider|grade name" -> latest

    def decay(self, *, days: float) -> float:
        """The factor a weight shrinks by over `days`."""
        return 2.0 ** (-days / self.half_life_days)

    def add(self, *, review: RatedReview) -> None:
        """Take one review into the sums (O(1))."""
        day = day_number(review.review_date)
        position = normalise(
            provider=review.provider,
            rating=review.rating,
            rating_scale=review.rating_scale,
            review_date=review.review_date,
        )
        if self.reference_day is None:
            self.reference_day = day
        elif day > self.reference_day:
            self._rebase(day=day)
        w = self.decay(days=self.reference_day - day)
        self.count += 1
        self.weight += w
        self.weight_squares += w * w
        self.total += w * position
        self.squares += w * position * position
        for aspect, polarity in review.opinions:
            sums = self.aspects.get(aspect)
            if sums is None:
                sums = self.aspects[aspect] = AspectSums()
            if polarity == "positive":
                sums.positive += w
            else:
                sums.negative += w
            sums.mentions += 1

    def add_many(self, *, reviews: Iterable[RatedReview]) -> None:
        """Take a batch of reviews into the sums, in any order."""
        for review in reviews:
            self.add(review=review)

    def _rebase(self, *, day: float) -> None:
        """Move the reference to a later day, shrinking every sum to match."""
        assert self.reference_day is not None
        factor = self.decay(days=day - self.reference_day)
        self.reference_day = day
        self.weight *= factor
        self.weight_squares *= factor * factor
        self.total *= factor
        self.squares *= factor
        for sums in self.aspects.values():
            sums.positive *= factor
            sums.negative *= factor

    def add_grades(
        self,
        *,
        provider: str,
        grades: Mapping[str, float],
        rating_scale: float,
        snapshot_date: date | datetime,
    ) -> None:
        """Keep a provider's category grades (on its scale) where newer than those held."""
        day = day_number(snapshot_date)
        for name, grade in grades.items():
            aspect = aspect_of_grade(name)
            if aspect is None or not math.isfinite(grade):
                continue
            position = normalise(
                provider=provider,
                rating=grade,
                rating_scale=rating_scale,
                review_date=snapshot_date,
            )
            key = f"{provider.strip().lower()}|{' '.join(name.lower().split())}"
            held = self.grades.get(key)
            # (day, position) decides, so equal-day snapshots give the same state in any order
            if held is None or (day, position) > (held.day, held.position):
                self.grades[key] = GradeSnapshot(aspect=aspect, position=position, day=day)

    @classmethod
    def from_reviews(
        cls, *, reviews: Iterable[RatedReview], half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    ) -> HotelReputationState:
        """The state of a whole history computed at once, relative to its newest review."""
        state = cls(half_life_days=half_life_days)
        dated = [(day_number(r.review_date), r) for r in reviews]
        if not dated:
            return state
        newest = max(day for day, _ in dated)
        state.reference_day = newest
        for day, review in dated:
            w = state.decay(days=newest - day)
            x = normalise(
                provider=review.provider,
                rating=review.rating,
                rating_scale=review.rating_scale,
                review_date=review.review_date,
            )
            state.count += 1
            state.weight += w
            state.weight_squares += w * w
            state.total += w * x
            state.squares += w * x * x
            for aspect, polarity in review.opinions:
                sums = state.aspects.setdefault(aspect, AspectSums())
                if polarity == "positive":
                    sums.positive += w
                else:
                    sums.negative += w
                sums.mentions += 1
        return state

    def to_dict(self) -> dict[str, Any]:
        """A small JSON-able dict of the state (stored per hotel)."""
        return {
            "version": STATE_VERSION,
            "half_life_days": self.half_life_days,
            "reference_day": self.reference_day,
            "count": self.count,
            "sums": [self.weight, self.weight_squares, self.total, self.squares],
            "aspects": {
                key: [sums.positive, sums.negative, sums.mentions]
                for key, sums in sorted(self.aspects.items())
            },
            "grades": {
                key: [g.aspect, g.position, g.day] for key, g in sorted(self.grades.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HotelReputationState:
        """The state `to_dict` described; ValueError if it is not one."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown reputation state version {data.get('version')!r}")
        state = cls(half_life_days=float(data["half_life_days"]))
        reference = data["reference_day"]
        state.reference_day = None if reference is None else float(reference)
        state.count = int(data["count"])
        weight, weight_squares, total, squares = (float(v) for v in data["sums"])
        state.weight, state.weight_squares, state.total, state.squares = (
            weight,
            weight_squares,
            total,
            squares,
        )
        for key, (positive, negative, mentions) in data["aspects"].items():
            if key not in ASPECT_KEYS:
                raise ValueError(f"unknown aspect {key!r}")
            state.aspects[key] = AspectSums(float(positive), float(negative), int(mentions))
        for key, (aspect, position, day) in data["grades"].items():
            if aspect not in ASPECT_KEYS:
                raise ValueError(f"unknown aspect {aspect!r}")
            state.grades[str(key)] = GradeSnapshot(
                aspect=aspect, position=float(position), day=float(day)
            )
        return state
