"""The demo's hotels: built once from the seed, each with a latent quality that drives ratings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random

from hotelreviews.demo.catalog import (
    AMENITIES_BY_STARS,
    CITIES,
    GROUP_BRAND,
    NAME_CORES,
    NAME_TYPES,
    ROOMS_BY_STARS,
    STAR_WEIGHTS,
    City,
)

# Families of sub-scores; each provider names them its own way (see providers.py).
FAMILIES = ("clean", "facilities", "location", "comfort", "service", "value", "wifi", "eco")


@dataclass(slots=True)
class Hotel:
    idx: int
    hotel_id: int  # the id in the nested OTA shape (same hotel => same id on every OTA)
    group_id: str | None  # the hotel group's own id in the flat feed, for the group's hotels
    name: str
    city: City
    address: str
    lat: float
    lon: float
    stars: int
    amenities: tuple[str, ...]
    rooms: tuple[str, ...]
    mu: float  # mean rating of an ordinary stay, 10-point scale
    bad: float  # chance that a stay goes wrong (the long left tail)
    respond: float  # chance that the hotel answers a review
    offsets: dict[str, float]  # per family: how much better or worse than the overall score
    tenths: dict[str, int]  # the same offsets in tenths of a point, clamped to -5.0..+5.0
    popularity: float
    phase: float  # drift of the provider scores over time
    listed: tuple[bool, bool, bool]  # on Agoda, Expedia, Booking.com
    missing_grade: int  # index of a grade this hotel never gets (-1: none)


def default_hotel_count(reviews: int) -> int:
    """About one hotel per 330 reviews, between 5 and 20,000."""
    return max(5, min(20_000, round(reviews / 330)))


def _weighted(rng: Random, pairs: tuple[tuple[object, int], ...]) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _name(rng: Random, city: City, taken: set[str], grouped: bool) -> str:
    for attempt in range(40):
        kind = str(_weighted(rng, NAME_TYPES))
        core = rng.choice(NAME_CORES)
        local = rng.choice(city.words)
        if grouped:
            name = f"{GROUP_BRAND} {local} {kind}"
        else:
            pattern = rng.random()
            if pattern < 0.5:
                name = f"{local} {core} {kind}"
            elif pattern < 0.8:
                name = f"{core} {local} {kind}"
            else:
                name = f"The {core} {kind} {local}"
        if attempt >= 30:
            name = f"{name} {city.name} {attempt - 29}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("could not find a free hotel name")  # unreachable with the suffixes


def build_hotels(*, count: int, seed: int) -> list[Hotel]:
    """`count` hotels spread over the cities; about 8% belong to the group with its own feed."""
    rng = Random(f"hotels/{seed}")
    cities = rng.choices(CITIES, [c.weight for c in CITIES], k=count)
    group_count = max(1, round(count * 0.08))
    grouped_idx = set(rng.sample(range(count), group_count))
    taken: set[str] = set()
    per_city: dict[str, int] = {}
    hotels = []
    for idx, city in enumerate(cities):
        grouped = idx in grouped_idx
        stars = int(_weighted(rng, STAR_WEIGHTS))  # type: ignore[call-overload]
        if grouped:
            stars = max(stars, 4)
        q = rng.gauss(0.0, 1.0) + 0.25 * (stars - 3.5)
        mu = min(9.6, max(5.5, 8.45 + 0.5 * q))
        amen_pool = AMENITIES_BY_STARS[stars]
        amenities = tuple(a for k, a in enumerate(amen_pool) if k < 3 or rng.random() < 0.6)
        rooms = tuple(rng.sample(ROOMS_BY_STARS[stars], k=min(4, len(ROOMS_BY_STARS[stars]))))
        offsets = {f: rng.gauss(0.0, 0.35) for f in FAMILIES}
        offsets["location"] += 0.5
        offsets["value"] -= 0.1 * (stars - 3)
        listed = [rng.random() < share for share in (0.9, 0.75, 0.92)]
        if not any(listed):
            listed[rng.randrange(3)] = True
        code = city.code
        group_id = None
        if grouped:
            per_city[code] = per_city.get(code, 0) + 1
            group_id = f"GH-{code}-{per_city[code]:02d}"
        ang = rng.random() * math.tau
        dist = city.spread * math.sqrt(rng.random())
        hotels.append(
            Hotel(
                idx=idx,
                hotel_id=10_000 + idx * 7 + rng.randrange(7),
                group_id=group_id,
                name=_name(rng, city, taken, grouped),
                city=city,
                address=city.address.format(n=rng.randint(1, 220), street=rng.choice(city.streets)),
                lat=round(city.lat + dist * math.sin(ang), 5),
                lon=round(city.lon + dist * math.cos(ang) / math.cos(math.radians(city.lat)), 5),
                stars=stars,
                amenities=amenities,
                rooms=rooms,
                mu=mu,
                bad=min(0.4, max(0.02, 0.07 + 0.08 * (8.6 - mu))),
                respond=rng.choice((0.0, 0.0, 0.05, 0.1, 0.2, 0.3, 0.45)) if not grouped else 0.35,
                offsets=offsets,
                tenths={f: max(-50, min(50, round(o * 10))) for f, o in offsets.items()},
                popularity=rng.lognormvariate(0.0, 0.8),
                phase=rng.random() * math.tau,
                listed=(listed[0], listed[1], listed[2]),
                missing_grade=rng.randrange(7) if rng.random() < 0.15 else -1,
            )
        )
    return hotels


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), deterministically."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    counts = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda k: (counts[k] - exact[k], k))
    for k in order[: total - sum(counts)]:
        counts[k] += 1
    return counts


def pick_table(hotels: list[Hotel]) -> tuple[Hotel, ...]:
    """A power-of-two sized table where each hotel fills slots in proportion to its popularity
    (at least one), so a review picks its hotel with a bit mask."""
    if not hotels:
        return ()
    size = 1 << max(16, (4 * len(hotels)).bit_length())
    counts = allocate(size - len(hotels), [h.popularity for h in hotels])
    return tuple(h for h, n in zip(hotels, counts, strict=True) for _ in range(n + 1))
