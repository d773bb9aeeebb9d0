"""The planner the demo's plants are made with: a seeded stream, the plants so far, the truth.

Kept apart from what is planted (plants.py, plant_reviewers.py) so that each kind of plant is
a function of a `Planner`: it picks hotels not used by another plant (signals stay apart),
adds plants with the next review numbers, and appends its truth entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Any

from hotelreviews.demo.catalog import COUNTRIES
from hotelreviews.demo.hotels import Hotel
from hotelreviews.demo.sentences import ASPECT_KEYS, Label
from hotelreviews.demo.timeline import DAY_ISO, MONTHS, month_days

# countries whose reviewers may write in English: planted texts are English
EN_COUNTRIES = tuple(c[:3] for c in COUNTRIES if "en" in c[4].split())


@dataclass(frozen=True, slots=True)
class Plant:
    """One planted review: everything its line needs besides what the maker draws."""

    number: int  # review number: ids are derived from it as for ordinary reviews
    feed: str  # feed key
    day: int  # index into the timeline's day tables
    minute: int
    hotel: int  # Hotel.idx
    r10: int  # rating in tenths of the 10-point scale (the group feed halves it)
    text: str
    labels: tuple[Label, ...]
    stay_day: int | None = None  # forces the stay month (cross-posts, reviewer histories)
    country: tuple[str, int, str] | None = None  # (name, id, flag) of the reviewer's country
    traveller: str | None = None  # traveller group name as the feeds write it
    reviewer: str | None = None  # the flat feed's reviewer_name


# (rng, labels) -> an English text saying those labels (texts.compose, see generator.py)
Composer = Callable[[Random, tuple[Label, ...]], str]


class Planner:
    """The seeded stream, the hotels, the plants made so far and the truth entries."""

    def __init__(self, *, reviews: int, hotels: list[Hotel], seed: int, compose: Composer) -> None:
        self.rng = Random(f"plants/{seed}")
        self.reviews, self.hotels, self.compose = reviews, hotels, compose
        self.plants: list[Plant] = []
        self.truth: dict[str, list[dict[str, Any]]] = {
            "planted_anomalies": [], "planted_duplicates": [], "planted_reviewers": []
        }  # fmt: skip
        total = sum(h.popularity for h in hotels)
        self.daily = {h.idx: reviews * h.popularity / total / (MONTHS * 30.4) for h in hotels}
        self.used: set[int] = set()

    def hotel(self, *, listed_on: tuple[int, ...] = (), middle: bool = False) -> Hotel:
        """A hotel from the most popular third (`middle`: the middle third) not used by another
        plant, so signals don't overlap."""
        pool = [
            h for h in self.hotels if h.idx not in self.used and all(h.listed[k] for k in listed_on)
        ]
        pool = pool or [h for h in self.hotels if all(h.listed[k] for k in listed_on)]
        pool = pool or self.hotels
        third = max(3, len(pool) // 3)
        ranked = sorted(pool, key=lambda h: -h.popularity)
        ranked = ranked[third : 2 * third] or ranked[:third] if middle else ranked[:third]
        chosen = ranked[int(self.rng.random() * len(ranked))]
        self.used.add(chosen.idx)
        return chosen

    def add(self, **fields: Any) -> dict[str, Any]:
        """Plant a review with the next number; its reference for the truth entry."""
        plant = Plant(number=self.reviews + len(self.plants), **fields)
        self.plants.append(plant)
        return ref(plant)

    def text(self, labels: tuple[Label, ...]) -> str:
        """A fresh English text saying `labels`."""
        return self.compose(self.rng, labels)

    def ordinary_labels(self, *, positive: bool, n: int) -> tuple[Label, ...]:
        """`n` aspects, the first with the given polarity, the others mostly the same."""
        aspects = self.rng.sample(ASPECT_KEYS, n)
        return tuple((a, positive if k == 0 else self.rng.random() < 0.7 * positive + 0.15)
                     for k, a in enumerate(aspects))  # fmt: skip


def ref(plant: Plant) -> dict[str, Any]:
    """How truth entries point at a planted review (review_id is filled in by the writer)."""
    return {"number": plant.number, "feed": plant.feed, "hotel": plant.hotel,
            "date": DAY_ISO[plant.day]}  # fmt: skip


def day_in(rng: Random, month: int) -> int:
    """A day of `month`, as an index into the timeline's day tables."""
    first, days = month_days(month)
    return first + int(rng.random() * days)
