"""The scored hotels as the recommendation methods take them, and the type model fitted on
them, kept per database engine until the data version moves.

Read from what the runner stores: each scored hotel's aspect profile
(`hotel_reputation.aspects`, 0–100, read as 0–10) and its tastes (`hotel_tastes`: rating count
and sum per traveller type). The type model (ridge per traveller type,
`fit_type_model_from_sums`) is fitted over every scored hotel and kept in this process per
engine until the data version (cache.repository, bumped by every ingestion batch and every
runner batch) moves: the first request after a batch reads and refits once (cost measured in
docs/intelligence/recommendations.md), the others reuse it.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.cache.repository import read_data_version
from hotelreviews.intelligence.recommend import repository as repo
from hotelreviews.intelligence.recommend.records import (
    ASPECTS,
    HotelProfile,
    Matrix,
    profile_matrix,
)
from hotelreviews.intelligence.recommend.type_model import (
    TypeModel,
    fit_type_model_from_sums,
    normalised_weights,
)
from hotelreviews.intelligence.runner.scoring import place_of


@dataclass(frozen=True, slots=True)
class World:
    """The scored hotels as the methods take them, and the type model fitted on them."""

    profiles: Mapping[int, HotelProfile]  # city = the normalised city key ("" for none)
    counts: Mapping[int, int]  # reviews per hotel: the popularity the blend uses
    indices: Mapping[int, float]  # reputation index per hotel
    sums: Mapping[tuple[int, str], tuple[int, float]]
    by_city: Mapping[str, Sequence[int]]
    model: TypeModel | None  # None: no rating to learn from yet
    # Each aspect's standard deviation over the scored hotels: a weight times it is what a
    # typical difference in that aspect is worth, comparable across aspects (see shares).
    spread: Matrix


def build_world(rows: Sequence[Any]) -> World:
    """The world from `repository.scored_hotels` rows."""
    profiles: dict[int, HotelProfile] = {}
    sums: dict[tuple[int, str], tuple[int, float]] = {}
    by_city: dict[str, list[int]] = {}
    for row in rows:
        city = row.city_key or ""
        profiles[row.hotel_id] = HotelProfile(
            hotel_id=row.hotel_id,
            city=city,
            stars=int(row.stars or 0),
            # An aspect no opinion mentions is left out (no evidence: the methods fill it with
            # the aspect's mean): its reputation score is only the hotel's overall index
            # again, and the fit would read "better hotels are rated higher" into it.
            scores={
                key: float(score) / 10.0
                for key, (score, _, mentions) in row.aspects.items()
                if mentions > 0
            },
            review_count=int(row.reviews),
        )
        for traveller_type, (count, total) in row.ratings.items():
            sums[(row.hotel_id, traveller_type)] = (int(count), float(total))
        by_city.setdefault(city, []).append(row.hotel_id)
    model = fit_type_model_from_sums(sums=sums, profiles=profiles) if sums else None
    ids = sorted(profiles)
    spread = (
        profile_matrix(profiles=profiles, hotel_ids=ids).std(axis=0)
        if ids
        else np.ones(len(ASPECTS))
    )
    return World(
        profiles=profiles,
        counts={h: p.review_count for h, p in profiles.items()},
        indices={row.hotel_id: float(row.reputation_index) for row in rows},
        sums=sums,
        by_city={city: sorted(ids) for city, ids in by_city.items()},
        model=model,
        spread=np.asarray(spread, dtype=np.float64),
    )


# Per engine (primary, each replica): (the data version it was built at, the world).
_worlds: weakref.WeakKeyDictionary[Any, tuple[int, World]] = weakref.WeakKeyDictionary()


async def current_world(connection: AsyncConnection, *, engine: AsyncEngine) -> World:
    """The world at the engine's current data version, built once per version."""
    version = await read_data_version(connection)
    cached = _worlds.get(engine.sync_engine)
    if cached is not None and cached[0] == version:
        return cached[1]
    world = build_world(await repo.scored_hotels(connection))
    _worlds[engine.sync_engine] = (version, world)
    return world


def city_key(city: str) -> str:
    """The city as the runner keys it (lower case, single spaces)."""
    return place_of(city=city, stars=None).city_key or ""


def shares(world: World, weights: Matrix) -> dict[str, float]:
    """Each aspect's share of what the weights make of a typical (one standard deviation)
    difference between hotels, signed: |w × sd| over its sum. Raw coefficients are not
    comparable: an aspect few reviews mention has scores close together (its reputation
    score stays near the hotel's overall index), so a large coefficient there moves ratings
    less than a small one on an aspect whose scores spread wide."""
    return {a: round(s, 4) for a, s in normalised_weights(weights * world.spread).items()}
