"""What the demo plants for evaluation: which extra reviews, where, when, saying what.

Planned once per world from the seed, before any file is written, as plain records: a `Plant`
is one extra review (its review number, feed, day, hotel, rating and English text), and the
truth entries say what the plants are (anomaly onsets, near-duplicate pairs, bursts,
cross-posts, reviewer histories). Files then only append the plants due on each day, so the
plan costs nothing per ordinary review and is the same in every worker process. A rating drop
plants no review at all: it lowers the hotel's quality from a quarter's first day (so the
quarterly standings snapshots stay consistent), and the ordinary reviews carry it.
Counts scale with the size and are zero for small sizes; planted reviews stay well under 1 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random
from typing import Any

from hotelreviews.demo.catalog import COUNTRIES, TRAVELLERS
from hotelreviews.demo.hotels import Hotel
from hotelreviews.demo.sentences import ASPECT_KEYS, Label
from hotelreviews.demo.timeline import DAY_ISO, MONTHS, month_days

DROP = 2.5  # points on the 10-point scale a dropped hotel loses
# What each traveller type cares about: the same shares as planted/reviewers.py (a test checks),
# copied because importing that module pulls in the recommender and scikit-learn (0.8 s).
TYPE_WEIGHTS: dict[str, dict[str, float]] = {
    "family": {"room": 0.22, "food": 0.22, "facilities": 0.22, "cleanliness": 0.12,
               "value": 0.10, "staff": 0.04, "noise": 0.04, "location": 0.02,
               "wifi": 0.01, "checkin": 0.01},
    "couple": {"room": 0.20, "location": 0.18, "noise": 0.16, "food": 0.14, "staff": 0.14,
               "cleanliness": 0.10, "value": 0.04, "facilities": 0.02, "wifi": 0.01,
               "checkin": 0.01},
    "business": {"wifi": 0.25, "location": 0.20, "checkin": 0.20, "noise": 0.12, "staff": 0.08,
                 "cleanliness": 0.08, "room": 0.04, "food": 0.01, "value": 0.01,
                 "facilities": 0.01},
    "solo": {"value": 0.30, "location": 0.24, "wifi": 0.14, "staff": 0.12, "cleanliness": 0.10,
             "noise": 0.04, "room": 0.03, "food": 0.01, "facilities": 0.01, "checkin": 0.01},
    "group": {"value": 0.26, "facilities": 0.20, "food": 0.16, "location": 0.14, "staff": 0.10,
              "room": 0.06, "cleanliness": 0.04, "noise": 0.02, "wifi": 0.01, "checkin": 0.01},
}  # fmt: skip
_EN_COUNTRIES = tuple(c[:3] for c in COUNTRIES if "en" in c[4].split())
_FIRST_NAMES = ("Anna", "Ben", "Clara", "David", "Elena", "Farid", "Grace", "Hugo", "Ines",
                "Jonas", "Kate", "Liam", "Maya", "Nora", "Omar", "Paula", "Ravi", "Sofia",
                "Tom", "Uma", "Victor", "Wen", "Yara", "Zoe")  # fmt: skip
_SURNAMES = ("Abbott", "Brennan", "Castillo", "Dunmore", "Ellery", "Fairbank", "Galloway",
             "Hartley", "Ingram", "Jessop", "Kinsella", "Lachlan", "Merriweather", "Norwood",
             "Okafor", "Pemberton", "Quincey", "Rowntree", "Stanforth", "Thorne", "Underhill",
             "Vasquez", "Whitlock", "Yardley")  # fmt: skip
# hotel families (hotels.FAMILIES) behind the aspect keys; the others get a seeded quality
_FAMILY_OF = {
    "cleanliness": "clean", "location": "location", "staff": "service", "room": "comfort",
    "value": "value", "facilities": "facilities", "wifi": "wifi",
}  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class PlantPlan:
    """The plants by (feed, month), rating drops by hotel, and the truth entries."""

    plants: dict[tuple[str, int], list[Plant]]
    drops: dict[int, int]  # hotel idx -> first month of the drop
    truth: dict[str, list[dict[str, Any]]]  # truth file stem -> entries
    count: int
    by_number: dict[int, Plant]


Composer = Any  # (rng, labels) -> text: texts.compose bound to English, see generator.py


class _Planner:
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

    def hotel(self, *, listed_on: tuple[int, ...] = ()) -> Hotel:
        """A popular enough hotel not used by another plant (so signals don't overlap)."""
        pool = [
            h for h in self.hotels if h.idx not in self.used and all(h.listed[k] for k in listed_on)
        ]
        pool = pool or [h for h in self.hotels if all(h.listed[k] for k in listed_on)]
        pool = pool or self.hotels
        ranked = sorted(pool, key=lambda h: -h.popularity)[: max(3, len(pool) // 3)]
        chosen = ranked[int(self.rng.random() * len(ranked))]
        self.used.add(chosen.idx)
        return chosen

    def add(self, **fields: Any) -> dict[str, Any]:
        plant = Plant(number=self.reviews + len(self.plants), **fields)
        self.plants.append(plant)
        return _ref(plant)

    def text(self, labels: tuple[Label, ...]) -> str:
        return str(self.compose(self.rng, labels))

    def ordinary_labels(self, *, positive: bool, n: int) -> tuple[Label, ...]:
        aspects = self.rng.sample(ASPECT_KEYS, n)
        return tuple((a, positive if k == 0 else self.rng.random() < 0.7 * positive + 0.15)
                     for k, a in enumerate(aspects))  # fmt: skip


def _ref(plant: Plant) -> dict[str, Any]:
    """How truth entries point at a planted review (review_id is filled in by the writer)."""
    return {"number": plant.number, "feed": plant.feed, "hotel": plant.hotel,
            "date": DAY_ISO[plant.day]}  # fmt: skip


def _day_in(rng: Random, month: int) -> int:
    first, days = month_days(month)
    return first + int(rng.random() * days)


def _rating_drops(p: _Planner, count: int, drops: dict[int, int]) -> None:
    for _ in range(count):
        hotel = p.hotel()
        month = 3 * (2 + int(p.rng.random() * 8))  # a quarter's first month, 6..27
        drops[hotel.idx] = month
        p.truth["planted_anomalies"].append({
            "kind": "rating_drop", "hotel": hotel.idx, "aspect": None,
            "onset": DAY_ISO[month_days(month)[0]], "points": DROP, "reviews": [],
        })  # fmt: skip


def _volume_bursts(p: _Planner, count: int) -> None:
    for _ in range(count):
        hotel = p.hotel(listed_on=(0,))
        start = _day_in(p.rng, 3 + int(p.rng.random() * 30))
        span = 1 + int(p.rng.random() * 3)
        positive = p.rng.random() < 0.5
        size = max(12, min(40, round(15 * p.daily[hotel.idx] * span)))
        refs = []
        for _k in range(size):
            labels = p.ordinary_labels(positive=positive, n=3)
            refs.append(p.add(
                feed="agoda", day=start + int(p.rng.random() * span),
                minute=int(p.rng.random() * 1440), hotel=hotel.idx,
                r10=100 if positive else 10 + int(p.rng.random() * 11),
                text=p.text(labels), labels=labels,
            ))  # fmt: skip
        p.truth["planted_anomalies"].append({
            "kind": "volume_burst", "hotel": hotel.idx, "aspect": None,
            "onset": DAY_ISO[start], "days": span, "reviews": refs,
        })  # fmt: skip


def _aspect_deteriorations(p: _Planner, count: int) -> None:
    for _ in range(count):
        hotel = p.hotel(listed_on=(0,))
        aspect = ASPECT_KEYS[int(p.rng.random() * len(ASPECT_KEYS))]
        onset = 6 + int(p.rng.random() * 22)
        per_month = max(2, round(0.5 * 30.4 * p.daily[hotel.idx]))
        refs = []
        for month in range(onset, MONTHS):  # the problem persists: nobody fixed it
            first, days = month_days(month)
            for _k in range(per_month):
                others = [a for a in p.rng.sample(ASPECT_KEYS, 3) if a != aspect][:2]
                labels = ((aspect, False), *((a, p.rng.random() < 0.7) for a in others))
                r10 = max(10, min(100, round(10 * hotel.mu) - 15 + int(p.rng.random() * 10)))
                refs.append(p.add(
                    feed="agoda", day=first + int(p.rng.random() * days),
                    minute=int(p.rng.random() * 1440), hotel=hotel.idx, r10=r10,
                    text=p.text(labels), labels=labels,
                ))  # fmt: skip
        p.truth["planted_anomalies"].append({
            "kind": "aspect_deterioration", "hotel": hotel.idx, "aspect": aspect,
            "onset": DAY_ISO[month_days(onset)[0]], "reviews": refs,
        })  # fmt: skip


def light_edit(text: str, rng: Random, *, edits: int) -> str:
    """`text` with `edits` small changes a copier makes: a word dropped, swapped or added."""
    words = text.split(" ")
    for _ in range(edits):
        k = int(rng.random() * len(words))
        kind = int(rng.random() * 3)
        if kind == 0 and len(words) > 8:
            del words[k]
        elif kind == 1:
            words[k] = ("really", "very", "truly", "quite", "so")[int(rng.random() * 5)]
        else:
            words.insert(k, ("honestly", "just", "also", "even")[int(rng.random() * 4)])
    return " ".join(words)


def _near_duplicates(p: _Planner, count: int) -> None:
    for k in range(count):
        source = p.hotel(listed_on=(0,))
        other_hotel = k % 2 == 0  # half copy to another hotel, half to the same by another guest
        target = p.hotel(listed_on=(2,)) if other_hotel else source
        labels = p.ordinary_labels(positive=p.rng.random() < 0.7, n=4)
        text = p.text(labels)
        day = _day_in(p.rng, 1 + int(p.rng.random() * 32))
        r10 = 40 + int(p.rng.random() * 61)
        first = p.add(feed="agoda", day=day, minute=int(p.rng.random() * 1440),
                      hotel=source.idx, r10=r10, text=text, labels=labels)  # fmt: skip
        copy = p.add(
            # another guest at the same hotel posts on the same site, so it is no cross-post
            feed="booking" if other_hotel and target.listed[2] else "agoda",
            day=day + 1 + int(p.rng.random() * 30),
            minute=int(p.rng.random() * 1440), hotel=target.idx, r10=r10,
            text=light_edit(text, p.rng, edits=1 + int(p.rng.random() * 3)), labels=labels,
            traveller="Solo traveler", country=_EN_COUNTRIES[0],
        )  # fmt: skip
        p.truth["planted_duplicates"].append({
            "kind": "near_duplicate", "other_hotel": other_hotel, "reviews": [first, copy],
        })  # fmt: skip


def _duplicate_bursts(p: _Planner, count: int) -> None:
    for _ in range(count):
        hotel = p.hotel(listed_on=(0,))
        labels = p.ordinary_labels(positive=True, n=4)
        text = p.text(labels)
        start, span = _day_in(p.rng, 2 + int(p.rng.random() * 32)), 1 + int(p.rng.random() * 3)
        refs = [
            p.add(feed="agoda", day=start + int(p.rng.random() * span),
                  minute=int(p.rng.random() * 1440), hotel=hotel.idx, r10=100,
                  text=light_edit(text, p.rng, edits=int(p.rng.random() * 3)), labels=labels)
            for _k in range(4 + int(p.rng.random() * 4))
        ]  # fmt: skip
        p.truth["planted_duplicates"].append({
            "kind": "duplicate_burst", "hotel": hotel.idx, "onset": DAY_ISO[start],
            "days": span, "reviews": refs,
        })  # fmt: skip


def _cross_posts(p: _Planner, count: int) -> None:
    for _ in range(count):
        hotel = p.hotel(listed_on=(0, 2))
        if not (hotel.listed[0] and hotel.listed[2]):
            continue  # no hotel is on both Agoda and Booking.com: no cross-post
        labels = p.ordinary_labels(positive=p.rng.random() < 0.75, n=4)
        text = p.text(labels)
        day = _day_in(p.rng, 1 + int(p.rng.random() * 32))
        stay = day - 3 - int(p.rng.random() * 10)
        country = _EN_COUNTRIES[int(p.rng.random() * len(_EN_COUNTRIES))]
        traveller = TRAVELLERS[int(p.rng.random() * len(TRAVELLERS))][0]
        r10 = 50 + int(p.rng.random() * 51)
        same = {"hotel": hotel.idx, "r10": r10, "labels": labels, "stay_day": stay,
                "country": country, "traveller": traveller}  # fmt: skip
        first = p.add(feed="agoda", day=day, minute=int(p.rng.random() * 1440), text=text, **same)
        again = p.add(
            feed="booking", day=day + int(p.rng.random() * 15),
            minute=int(p.rng.random() * 1440),
            text=light_edit(text, p.rng, edits=1 + int(p.rng.random() * 2)), **same,
        )  # fmt: skip
        p.truth["planted_duplicates"].append({
            "kind": "cross_post", "hotel": hotel.idx, "stay_month": DAY_ISO[stay][:7],
            "reviews": [first, again],
        })  # fmt: skip


def hotel_aspects(hotel: Hotel, seed: int) -> dict[str, float]:
    """A hotel's latent quality per aspect key, in points around its overall score."""
    rng = Random(f"aspects/{seed}/{hotel.idx}")
    return {a: hotel.offsets[_FAMILY_OF[a]] if a in _FAMILY_OF else rng.gauss(0.0, 0.6)
            for a in ASPECT_KEYS}  # fmt: skip


def _reviewers(p: _Planner, count: int, seed: int) -> None:
    group = [h for h in p.hotels if h.group_id]
    if not group:
        return
    aspects = {h.idx: hotel_aspects(h, seed) for h in group}
    for k in range(count):
        traveller, _, ttype = TRAVELLERS[int(p.rng.random() * len(TRAVELLERS))][:3]
        base = TYPE_WEIGHTS[ttype]
        raw = {a: base[a] * math.exp(p.rng.gauss(0.0, 0.35)) for a in ASPECT_KEYS}
        total = sum(raw.values())
        weights = {a: round(w / total, 4) for a, w in raw.items()}
        country = _EN_COUNTRIES[int(p.rng.random() * len(_EN_COUNTRIES))]
        reviewer = (f"{_FIRST_NAMES[k % len(_FIRST_NAMES)]} "
                    f"{_SURNAMES[(k // len(_FIRST_NAMES) + 7 * k) % len(_SURNAMES)]}")  # fmt: skip
        if k >= len(_FIRST_NAMES) * len(_SURNAMES):
            reviewer += f" {k}"
        stays = 2 + min(18, int(p.rng.expovariate(1 / 5)))
        months = sorted(p.rng.sample(range(MONTHS), min(stays, MONTHS)))
        refs = []
        for month in months:
            hotel = group[int(p.rng.random() * len(group))]
            fit = sum(weights[a] * q for a, q in aspects[hotel.idx].items())
            score = hotel.mu + 2.2 * fit + p.rng.gauss(0.0, 0.4)  # 10-point scale
            r10 = max(10, min(100, round(10 * score)))
            # the text speaks of what the reviewer cares most about, as the hotel does it
            top = sorted(ASPECT_KEYS, key=lambda a: -weights[a])[:3]
            labels = tuple((a, aspects[hotel.idx][a] > -0.2) for a in top)
            day = _day_in(p.rng, month)
            refs.append(p.add(
                feed="group", day=day, minute=int(p.rng.random() * 1440), hotel=hotel.idx,
                r10=r10, text=p.text(labels), labels=labels, stay_day=day - 2 - month % 5,
                country=country, traveller=traveller, reviewer=reviewer,
            ))  # fmt: skip
        p.truth["planted_reviewers"].append({
            "reviewer_name": reviewer, "reviewer_country": country[0], "traveller_type": ttype,
            "trip_type": traveller, "weights": weights, "reviews": refs,
        })  # fmt: skip


def plan_plants(*, reviews: int, hotels: list[Hotel], seed: int, compose: Composer) -> PlantPlan:
    """The plants of a world of `reviews` reviews: none below 10,000 reviews."""
    p = _Planner(reviews=reviews, hotels=hotels, seed=seed, compose=compose)
    drops: dict[int, int] = {}
    if reviews >= 10_000 and len(hotels) >= 20:
        anomalies = min(10, 1 + reviews // 200_000)
        _rating_drops(p, anomalies, drops)
        _volume_bursts(p, anomalies)
        _aspect_deteriorations(p, anomalies)
        _near_duplicates(p, min(200, reviews // 10_000))
        _duplicate_bursts(p, anomalies)
        _cross_posts(p, min(200, reviews // 10_000))
        _reviewers(p, min(2_000, reviews // 2_000), seed)
    by_file: dict[tuple[str, int], list[Plant]] = {}
    for plant in p.plants:
        month = _month_of(plant.day)
        by_file.setdefault((plant.feed, month), []).append(plant)
    for found in by_file.values():
        found.sort(key=lambda x: (x.day, x.minute, x.number))
    return PlantPlan(by_file, drops, p.truth, len(p.plants), {x.number: x for x in p.plants})


def _month_of(day: int) -> int:
    """The month (0..35) a day index falls in."""
    for month in range(MONTHS - 1, -1, -1):
        if day >= month_days(month)[0]:
            return month
    return 0
