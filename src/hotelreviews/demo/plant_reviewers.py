"""Planted reviewer histories: guests of the hotel group whose tastes are known.

The flat feed is the only one with reviewer names and countries, so these reviewers post there:
2-20 stays in distinct months at the group's hotels, each rated by the reviewer's latent
aspect weights (their traveller type's, with personal noise) against the hotel's latent aspect
qualities. Both are written to the truth, so a recommender's learned preferences can be
checked against them.
"""

from __future__ import annotations

import math
from random import Random

from hotelreviews.demo.catalog import TRAVELLERS
from hotelreviews.demo.hotels import Hotel
from hotelreviews.demo.planner import EN_COUNTRIES, Planner, day_in
from hotelreviews.demo.planted.tastes import PLANTED_WEIGHTS
from hotelreviews.demo.sentences import ASPECT_KEYS
from hotelreviews.demo.timeline import MONTHS

# What each traveller type cares about: the planted shares of the evaluation's world.
TYPE_WEIGHTS = PLANTED_WEIGHTS
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


def hotel_aspects(hotel: Hotel, seed: int) -> dict[str, float]:
    """A hotel's latent quality per aspect key, in points around its overall score."""
    rng = Random(f"aspects/{seed}/{hotel.idx}")
    return {a: hotel.offsets[_FAMILY_OF[a]] if a in _FAMILY_OF else rng.gauss(0.0, 0.6)
            for a in ASPECT_KEYS}  # fmt: skip


def plant_reviewers(p: Planner, count: int, seed: int) -> None:
    """Plant `count` reviewers with their stays."""
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
        country = EN_COUNTRIES[int(p.rng.random() * len(EN_COUNTRIES))]
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
            day = day_in(p.rng, month)
            refs.append(p.add(
                feed="group", day=day, minute=int(p.rng.random() * 1440), hotel=hotel.idx,
                r10=r10, text=p.text(labels), labels=labels, stay_day=day - 2 - month % 5,
                country=country, traveller=traveller, reviewer=reviewer,
            ))  # fmt: skip
        p.truth["planted_reviewers"].append({
            "reviewer_name": reviewer, "reviewer_country": country[0], "traveller_type": ttype,
            "trip_type": traveller, "weights": weights, "reviews": refs,
        })  # fmt: skip
