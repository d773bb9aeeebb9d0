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

from dataclasses import dataclass
from random import Random
from typing import Any

from hotelreviews.demo.catalog import TRAVELLERS
from hotelreviews.demo.hotels import Hotel
from hotelreviews.demo.planner import EN_COUNTRIES, Composer, Planner, Plant, day_in
from hotelreviews.demo.plant_reviewers import plant_reviewers
from hotelreviews.demo.sentences import ASPECT_KEYS
from hotelreviews.demo.timeline import DAY_ISO, MONTHS, month_days

DROP = 2.5  # points on the 10-point scale a dropped hotel loses


@dataclass(frozen=True, slots=True)
class PlantPlan:
    """The plants by (feed, month), rating drops by hotel, and the truth entries."""

    plants: dict[tuple[str, int], list[Plant]]
    drops: dict[int, int]  # hotel idx -> first month of the drop
    truth: dict[str, list[dict[str, Any]]]  # truth file stem -> entries
    count: int
    by_number: dict[int, Plant]


def _rating_drops(p: Planner, count: int, drops: dict[int, int]) -> None:
    for _ in range(count):
        hotel = p.hotel()
        month = 3 * (2 + int(p.rng.random() * 8))  # a quarter's first month, 6..27
        drops[hotel.idx] = month
        p.truth["planted_anomalies"].append({
            "kind": "rating_drop", "hotel": hotel.idx, "aspect": None,
            "onset": DAY_ISO[month_days(month)[0]], "points": DROP, "reviews": [],
        })  # fmt: skip


def _volume_bursts(p: Planner, count: int) -> None:
    for _ in range(count):
        hotel = p.hotel(listed_on=(0,))
        start = day_in(p.rng, 3 + int(p.rng.random() * 30))
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


def _aspect_deteriorations(p: Planner, count: int) -> None:
    for _ in range(count):
        # a middling hotel: the extra reviews are a share of its volume, and a very popular
        # hotel's share would be a visible part of all reviews
        hotel = p.hotel(listed_on=(0,), middle=True)
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


def _near_duplicates(p: Planner, count: int) -> None:
    for k in range(count):
        source = p.hotel(listed_on=(0,))
        other_hotel = k % 2 == 0  # half copy to another hotel, half to the same by another guest
        target = p.hotel(listed_on=(2,)) if other_hotel else source
        labels = p.ordinary_labels(positive=p.rng.random() < 0.7, n=4)
        text = p.text(labels)
        day = day_in(p.rng, 1 + int(p.rng.random() * 32))
        r10 = 40 + int(p.rng.random() * 61)
        first = p.add(feed="agoda", day=day, minute=int(p.rng.random() * 1440),
                      hotel=source.idx, r10=r10, text=text, labels=labels)  # fmt: skip
        copy = p.add(
            # another guest at the same hotel posts on the same site, so it is no cross-post
            feed="booking" if other_hotel and target.listed[2] else "agoda",
            day=day + 1 + int(p.rng.random() * 30),
            minute=int(p.rng.random() * 1440), hotel=target.idx, r10=r10,
            text=light_edit(text, p.rng, edits=1 + int(p.rng.random() * 3)), labels=labels,
            traveller="Solo traveler", country=EN_COUNTRIES[0],
        )  # fmt: skip
        p.truth["planted_duplicates"].append({
            "kind": "near_duplicate", "other_hotel": other_hotel, "reviews": [first, copy],
        })  # fmt: skip


def _duplicate_bursts(p: Planner, count: int) -> None:
    for _ in range(count):
        hotel = p.hotel(listed_on=(0,))
        labels = p.ordinary_labels(positive=True, n=4)
        text = p.text(labels)
        start, span = day_in(p.rng, 2 + int(p.rng.random() * 32)), 1 + int(p.rng.random() * 3)
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


def _cross_posts(p: Planner, count: int) -> None:
    for _ in range(count):
        hotel = p.hotel(listed_on=(0, 2))
        if not (hotel.listed[0] and hotel.listed[2]):
            continue  # no hotel is on both Agoda and Booking.com: no cross-post
        labels = p.ordinary_labels(positive=p.rng.random() < 0.75, n=4)
        text = p.text(labels)
        day = day_in(p.rng, 1 + int(p.rng.random() * 32))
        stay = day - 3 - int(p.rng.random() * 10)
        country = EN_COUNTRIES[int(p.rng.random() * len(EN_COUNTRIES))]
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


def plan_plants(*, reviews: int, hotels: list[Hotel], seed: int, compose: Composer) -> PlantPlan:
    """The plants of a world of `reviews` reviews: none below 10,000 reviews."""
    p = Planner(reviews=reviews, hotels=hotels, seed=seed, compose=compose)
    drops: dict[int, int] = {}
    if reviews >= 10_000 and len(hotels) >= 20:
        anomalies = min(10, 1 + reviews // 200_000)
        _rating_drops(p, anomalies, drops)
        _volume_bursts(p, anomalies)
        _aspect_deteriorations(p, anomalies)
        _near_duplicates(p, min(200, reviews // 10_000))
        _duplicate_bursts(p, anomalies)
        _cross_posts(p, min(200, reviews // 10_000))
        plant_reviewers(p, min(2_000, reviews // 2_000), seed)
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
