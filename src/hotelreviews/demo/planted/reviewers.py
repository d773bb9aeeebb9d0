"""A planted world of hotels, traveller types and reviewers whose tastes are known.

The recommenders must learn what each traveller type cares about from ratings; to check that
they do, this generator knows the answer. Hotels get a latent quality per aspect (partly set
by their star band: a 5-star has better rooms and facilities and worse value), traveller types
get latent aspect weights (PLANTED_WEIGHTS, never shown to the models), each reviewer their
type's weights with personal noise. A stay's hotel is drawn by popularity AND preference fit,
so a popularity ranking and a preference model both have signal, as in real booking data. The
rating is the reviewer's preference-weighted quality plus noise, on 1-10. What the models see
is only the stays (with the stated traveller type), each hotel's OBSERVED aspect profile
(latent quality plus noise that shrinks with its review count, as reputation scores would
give) and a short text per hotel. Seeded and deterministic: same seed, same world.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from hotelreviews.demo.planted.tastes import PLANTED_WEIGHTS
from hotelreviews.intelligence.recommend.records import ASPECTS, HotelProfile, Stay

TRAVELLER_TYPES: tuple[str, ...] = ("family", "couple", "business", "solo", "group")


TYPE_SHARES = (0.25, 0.25, 0.22, 0.16, 0.12)  # of reviewers, in TRAVELLER_TYPES order
CITY_NAMES = ("Lisbon", "Prague", "Kyoto", "Lima", "Oslo", "Cairo")
DEFAULT_TASTE_NOISE = 0.35  # log-normal sd of a reviewer's weights around their type's
STAR_SHARES = {2: 0.2, 3: 0.35, 4: 0.3, 5: 0.15}

# How much one star above 3.5 moves each aspect's latent quality (in latent sd).
STAR_LOADING = {"cleanliness": 0.25, "location": 0.15, "staff": 0.25, "room": 0.5,
                "value": -0.45, "food": 0.4, "facilities": 0.55, "wifi": 0.1,
                "noise": 0.0, "checkin": 0.2}  # fmt: skip

# The choice model: utility = POPULARITY_PULL * log(popularity) + FIT_PULL * fit.
POPULARITY_PULL = 1.0
FIT_PULL = 3.0
RATING_CENTRE = 6.0
RATING_SPREAD = 2.2  # rating points per unit of fit
RATING_NOISE = 0.6
PROFILE_CENTRE = 6.5
PROFILE_SPREAD = 1.3  # profile points per latent sd
FIRST_DAY = date(2022, 1, 1)

Vector = npt.NDArray[np.float64]

# A few phrases per (aspect, polarity) for the hotels' texts; enough variety for TF-IDF.
PHRASES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cleanliness": (
        ("spotless room", "very clean everywhere", "housekeeping kept it immaculate"),
        ("dirty carpet", "stains on the sheets", "bathroom was filthy"),
    ),
    "location": (
        (
            "perfect location near the old town",
            "short walk to the metro",
            "great area close to the sights",
        ),
        ("far from everything", "long ride to the centre", "sketchy neighbourhood"),
    ),
    "staff": (
        (
            "friendly helpful staff",
            "the reception team was lovely",
            "concierge went out of their way",
        ),
        ("rude reception", "unhelpful staff", "service was slow and careless"),
    ),
    "room": (
        ("spacious room with a comfy bed", "big bathroom and a great shower", "lovely room view"),
        ("tiny cramped room", "hard bed and a broken shower", "the air conditioning failed"),
    ),
    "value": (
        ("great value for money", "cheap for what you get", "worth every penny"),
        ("overpriced", "hidden fees on the bill", "not worth the price"),
    ),
    "food": (
        ("excellent breakfast buffet", "the restaurant was superb", "great coffee and pastries"),
        ("poor breakfast", "bland restaurant food", "cold buffet with little choice"),
    ),
    "facilities": (
        (
            "beautiful pool and gym",
            "kids club and spa were great",
            "handy parking and a rooftop bar",
        ),
        ("pool was closed", "no lift and a tired lobby", "gym with broken machines"),
    ),
    "wifi": (
        ("fast wifi everywhere", "reliable internet for work", "strong connection in the room"),
        ("wifi kept dropping", "internet was painfully slow", "no signal in the room"),
    ),
    "noise": (
        ("quiet at night", "peaceful and silent rooms", "slept well no noise"),
        ("noisy street traffic", "thin walls and loud neighbours", "music until late at night"),
    ),
    "checkin": (
        ("quick check in", "early check in was easy", "smooth late check out"),
        ("long queue at check in", "check in took an hour", "key cards did not work at arrival"),
    ),
}
FILLER = ("we stayed three nights", "booked for a weekend", "came back after a year",
          "stayed here on a trip", "our second visit")  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlantedHotel:
    """A hotel with its latent per-aspect quality (ASPECTS order, latent sd units)."""

    hotel_id: int
    city: str
    stars: int
    quality: tuple[float, ...]
    popularity: float  # relative draw, > 0


@dataclass(frozen=True, slots=True)
class PlantedReviewer:
    """A reviewer: their type, own latent weights (ASPECTS order), the cities they visit."""

    reviewer_id: int
    traveller_type: str
    weights: tuple[float, ...]
    cities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlantedWorld:
    """Everything generated: the truth (hotels, reviewers) and what models see (the rest)."""

    hotels: Mapping[int, PlantedHotel]
    reviewers: Mapping[int, PlantedReviewer]
    stays: tuple[Stay, ...]
    profiles: Mapping[int, HotelProfile]
    texts: Mapping[int, str]


def planted_weights(traveller_type: str) -> Vector:
    """The type's planted weights as a vector in ASPECTS order."""
    return np.array([PLANTED_WEIGHTS[traveller_type][a] for a in ASPECTS], dtype=np.float64)


def planted_world(
    *,
    seed: int = 16,
    hotels_per_city: int = 50,
    reviewers: int = 1500,
    cities: int = 5,
    taste_noise: float = DEFAULT_TASTE_NOISE,
) -> PlantedWorld:
    """A deterministic world: same arguments, same hotels, reviewers, stays, profiles, texts.

    `taste_noise` is how far a reviewer's weights stray from their type's (log-normal sd)."""
    rng = np.random.default_rng(seed)
    city_names = CITY_NAMES[:cities]
    hotels = _hotels(rng=rng, city_names=city_names, per_city=hotels_per_city)
    people = _reviewers(rng=rng, city_names=city_names, count=reviewers, taste_noise=taste_noise)
    stays = _stays(rng=rng, hotels=hotels, reviewers=people)
    profiles = {h.hotel_id: _observed_profile(rng=rng, hotel=h) for h in hotels.values()}
    texts = {h.hotel_id: _text(rng=rng, hotel=h) for h in hotels.values()}
    return PlantedWorld(
        hotels=hotels, reviewers=people, stays=stays, profiles=profiles, texts=texts
    )


def _hotels(
    *, rng: np.random.Generator, city_names: Sequence[str], per_city: int
) -> dict[int, PlantedHotel]:
    """Hotels per city: stars, latent quality (star effect + overall + per aspect), popularity."""
    loading = np.array([STAR_LOADING[a] for a in ASPECTS])
    stars_choices = np.array(list(STAR_SHARES))
    stars_p = np.array(list(STAR_SHARES.values()))
    hotels: dict[int, PlantedHotel] = {}
    for city in city_names:
        for _ in range(per_city):
            hotel_id = len(hotels) + 1
            stars = int(rng.choice(stars_choices, p=stars_p))
            overall = rng.normal(0.0, 0.5)  # good hotels are good at most things
            quality = loading * (stars - 3.5) + overall + rng.normal(0.0, 0.8, len(ASPECTS))
            # Popularity follows quality a little and luck a lot (a long tail of small hotels).
            popularity = math.exp(0.4 * float(quality.mean()) + rng.normal(0.0, 1.0))
            hotels[hotel_id] = PlantedHotel(
                hotel_id=hotel_id,
                city=city,
                stars=stars,
                quality=tuple(float(q) for q in quality),
                popularity=popularity,
            )
    return hotels


def _reviewers(
    *, rng: np.random.Generator, city_names: Sequence[str], count: int, taste_noise: float
) -> dict[int, PlantedReviewer]:
    """Reviewers: a type, the type's weights with personal noise, one or two cities they visit."""
    people: dict[int, PlantedReviewer] = {}
    for reviewer_id in range(1, count + 1):
        traveller_type = str(rng.choice(TRAVELLER_TYPES, p=TYPE_SHARES))
        own = planted_weights(traveller_type) * np.exp(rng.normal(0.0, taste_noise, len(ASPECTS)))
        visits = rng.choice(len(city_names), size=int(rng.integers(1, 3)), replace=False)
        people[reviewer_id] = PlantedReviewer(
            reviewer_id=reviewer_id,
            traveller_type=traveller_type,
            weights=tuple(float(w) for w in own / own.sum()),
            cities=tuple(city_names[int(i)] for i in sorted(visits)),
        )
    return people


def _stays(
    *,
    rng: np.random.Generator,
    hotels: Mapping[int, PlantedHotel],
    reviewers: Mapping[int, PlantedReviewer],
) -> tuple[Stay, ...]:
    """2-20 stays per reviewer, in date order, each at a hotel they have not stayed in before."""
    by_city: dict[str, list[PlantedHotel]] = {}
    for hotel in hotels.values():
        by_city.setdefault(hotel.city, []).append(hotel)
    stays: list[Stay] = []
    for person in reviewers.values():
        weights = np.array(person.weights)
        reachable = sum(len(by_city[c]) for c in person.cities)  # a small world runs out
        count = min(20, reachable, 2 + int(rng.geometric(0.18)) - 1)
        day = FIRST_DAY + timedelta(days=int(rng.integers(0, 200)))
        seen: set[int] = set()
        for _ in range(count):
            open_cities = [
                c for c in person.cities if any(h.hotel_id not in seen for h in by_city[c])
            ]
            city = open_cities[int(rng.integers(len(open_cities)))]
            options = [h for h in by_city[city] if h.hotel_id not in seen]
            fits = np.array([weights @ np.array(h.quality) for h in options])
            utility = POPULARITY_PULL * np.log([h.popularity for h in options]) + FIT_PULL * fits
            chance = np.exp(utility - utility.max())
            hotel = options[int(rng.choice(len(options), p=chance / chance.sum()))]
            seen.add(hotel.hotel_id)
            fit = float(weights @ np.array(hotel.quality))
            rating = RATING_CENTRE + RATING_SPREAD * fit + rng.normal(0.0, RATING_NOISE)
            stays.append(
                Stay(
                    reviewer_id=person.reviewer_id,
                    hotel_id=hotel.hotel_id,
                    traveller_type=person.traveller_type,
                    rating=round(min(10.0, max(1.0, rating)), 1),
                    stayed_on=day,
                )
            )
            day += timedelta(days=int(rng.integers(7, 120)))
    return tuple(stays)


def review_volume(hotel: PlantedHotel) -> int:
    """The hotel's review count on the platform (all guests, not only the planted reviewers)."""
    return max(1, round(25 * hotel.popularity))


def _observed_profile(*, rng: np.random.Generator, hotel: PlantedHotel) -> HotelProfile:
    """The per-aspect scores reviews would give: latent quality plus noise ~ 1/sqrt(mentions)."""
    count = review_volume(hotel)
    mentions = np.maximum(1.0, 0.3 * count)
    noise = rng.normal(0.0, 1.0, len(ASPECTS)) * (1.6 / np.sqrt(mentions))
    scores = PROFILE_CENTRE + PROFILE_SPREAD * np.array(hotel.quality) + noise
    return HotelProfile(
        hotel_id=hotel.hotel_id,
        city=hotel.city,
        stars=hotel.stars,
        scores={
            a: round(float(min(10.0, max(0.0, s))), 2) for a, s in zip(ASPECTS, scores, strict=True)
        },
        review_count=count,
    )


def _text(*, rng: np.random.Generator, hotel: PlantedHotel) -> str:
    """Short review snippets: aspects far from average are mentioned more, praised if good."""
    quality = np.array(hotel.quality)
    mention = (np.abs(quality) + 0.3) / (np.abs(quality) + 0.3).sum()
    snippets: list[str] = []
    for _ in range(8 + min(review_volume(hotel), 40) // 4):
        aspect = int(rng.choice(len(ASPECTS), p=mention))
        praised = rng.random() < 1.0 / (1.0 + math.exp(-2.0 * quality[aspect]))
        phrases = PHRASES[ASPECTS[aspect]][0 if praised else 1]
        snippet = phrases[int(rng.integers(len(phrases)))]
        if rng.random() < 0.3:
            snippet = f"{FILLER[int(rng.integers(len(FILLER)))]}, {snippet}"
        snippets.append(snippet + ".")
    return " ".join(snippets)
