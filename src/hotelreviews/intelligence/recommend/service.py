"""Similar hotels and recommendations as the API serves them, from what the runner stores.

Inputs: each scored hotel's aspect profile (`hotel_reputation.aspects`, 0–100, read as 0–10)
and its tastes (`hotel_tastes`: rating count and sum per traveller type, term bag). The type
model (ridge per traveller type, `fit_type_model_from_sums`) is fitted over every scored hotel
and kept in this process per database engine until the data version (cache.repository, bumped
by every ingestion batch and every runner batch) moves: a request after a batch refits it
once (cost measured in docs/intelligence/recommendations.md), the others reuse it.

Rankings are what the offline evaluation found best (recommendations.md, "Measured"): the
model's expected rating blended with log-popularity (`baselines.blended`, weight 1.5 as
chosen there), not the model alone, which did not beat popularity. The per-reviewer ranking
uses the reviewer's own weights shrunk toward their type's (`personal`); the evaluation found
no gain from them over the type's weights, which the response says through `basis`.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.cache.repository import read_data_version
from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import HotelNotFound, NotFound
from hotelreviews.core.pagination import PageRequest, decode_cursor, encode_cursor, page_body
from hotelreviews.hotels.repository import hotel_exists
from hotelreviews.intelligence.recommend import repository as repo
from hotelreviews.intelligence.recommend.baselines import blended
from hotelreviews.intelligence.recommend.personal import DEFAULT_STRENGTH, fit_reviewer_weights
from hotelreviews.intelligence.recommend.records import (
    ASPECTS,
    HotelProfile,
    Matrix,
    Stay,
    profile_matrix,
)
from hotelreviews.intelligence.recommend.similar import (
    DEFAULT_TEXT_WEIGHT,
    index_with_text_similarity,
)
from hotelreviews.intelligence.recommend.terms import bag_similarity
from hotelreviews.intelligence.recommend.type_model import (
    ANY_TYPE,
    DEFAULT_PRIOR_REVIEWS,
    TypeModel,
    fit_type_model_from_sums,
    normalised_weights,
    shrunk_profiles,
)
from hotelreviews.intelligence.runner.scoring import place_of
from hotelreviews.intelligence.runner.tastes import UNKNOWN_TYPE

POPULARITY_WEIGHT = 1.5  # chosen on held-out stays by bench/intelligence_recommend.py
# Review counts closer than a factor of e^0.5 (1.65) are not read as a popularity difference
# (baselines.blended); the planted world's cities spread far wider.
MIN_POPULARITY_SPREAD = 0.5
WHY_ASPECTS = 3
TRAVELLER_TYPES = ("solo", "couple", "family", "group", "business", "other")
NOT_SCORED_REASON = (
    "not scored yet: the hotel has no reviews, or the intelligence runner has not reached "
    "its latest ones (it follows ingestion within seconds)"
)
_ORDER = "recommended"  # the cursors' listing name


class ReviewerNotFound(NotFound):
    code = "reviewer_not_found"
    resource = "reviewer"


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


# --- similar hotels -------------------------------------------------------------------------


async def similar_hotels_read(
    *, engine: AsyncEngine, hotel_id: int, limit: int, same_city: bool
) -> dict[str, Any]:
    """The hotels most like this one; HotelNotFound when there is no such hotel."""
    async with read_transaction(engine) as connection:
        world = await current_world(connection, engine=engine)
        me = world.profiles.get(hotel_id)
        if me is None:
            if not await hotel_exists(connection, hotel_id=hotel_id):
                raise HotelNotFound(hotel_id)
            return {
                "hotel_id": hotel_id,
                "status": "not_scored",
                "reason": NOT_SCORED_REASON,
                "text_weight": DEFAULT_TEXT_WEIGHT,
                "items": [],
            }
        if same_city:  # a hotel without a city has no neighbours in it
            candidates = world.by_city[me.city] if me.city else [hotel_id]
        else:
            candidates = sorted(world.profiles)
        bags = await repo.term_bags(connection, hotel_ids=candidates)
        found, parts = _similar(world, hotel_id=hotel_id, candidates=candidates, bags=bags, k=limit)
        cards = await repo.hotel_cards(connection, hotel_ids=[h for h, _ in found])
    return {
        "hotel_id": hotel_id,
        "status": "scored",
        "reason": None,
        "text_weight": DEFAULT_TEXT_WEIGHT,
        "items": [
            {
                **_card(cards[h], world),
                "similarity": round(score, 4),
                "profile_similarity": round(parts[h][0], 4),
                "text_similarity": round(parts[h][1], 4),
            }
            for h, score in found
            if h in cards
        ],
    }


def _similar(
    world: World,
    *,
    hotel_id: int,
    candidates: Sequence[int],
    bags: Mapping[int, Mapping[str, int]],
    k: int,
) -> tuple[list[tuple[int, float]], dict[int, tuple[float, float]]]:
    """The k best (hotel, blended similarity) and each one's (profile, text) similarity."""
    ids = sorted(set(candidates) | {hotel_id})
    index = index_with_text_similarity(
        profiles={h: world.profiles[h] for h in ids},
        text_similarity=bag_similarity([bags.get(h, {}) for h in ids]),
    )
    found = index.similar(hotel_id=hotel_id, k=k, same_city=False)
    row = index.hotel_ids.index(hotel_id)
    position = {h: i for i, h in enumerate(index.hotel_ids)}
    parts = {
        h: (
            float(index.profile_similarity[row, position[h]]),
            float(index.text_similarity[row, position[h]]),
        )
        for h, _ in found
    }
    return found, parts


# --- rankings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ranked:
    hotel_id: int
    score: float  # fit and popularity blended: the order
    expected_rating: float  # the model's expected rating (1–10 scale)
    why: tuple[str, ...]  # the aspects that lift this hotel most for these weights


def rank_city(
    world: World,
    *,
    city: str,
    weights: Matrix,
    intercept: float,
    exclude: Collection[int] = (),
) -> list[Ranked]:
    """The city's scored hotels (less `exclude`), best first for the weights."""
    candidates = [h for h in world.by_city.get(city, ()) if h not in exclude]
    if not candidates:
        return []
    shrunk = shrunk_profiles(
        profiles=world.profiles, hotel_ids=candidates, prior_reviews=DEFAULT_PRIOR_REVIEWS
    )
    fit = shrunk @ weights
    # What each aspect the traveller values adds against the city's average hotel: the
    # reason to pick this one (a bad score on an aspect weighted negatively is no reason).
    lift = (shrunk - shrunk.mean(axis=0)) * np.maximum(weights, 0.0)
    score = blended(
        preference={h: float(f) for h, f in zip(candidates, fit, strict=True)},
        counts=world.counts,
        popularity_weight=POPULARITY_WEIGHT,
        min_popularity_spread=MIN_POPULARITY_SPREAD,
    )
    ranked = [
        Ranked(
            hotel_id=h,
            score=score[h],
            expected_rating=float(fit[i] + intercept),
            why=tuple(
                ASPECTS[a]
                for a in np.argsort(-lift[i], kind="stable")[:WHY_ASPECTS]
                if lift[i, a] > 0
            ),
        )
        for i, h in enumerate(candidates)
    ]
    ranked.sort(key=lambda item: (-item.score, item.hotel_id))
    return ranked


def _page_of(ranked: list[Ranked], page: PageRequest) -> tuple[list[Ranked], str | None]:
    """The page after the cursor (score, hotel id of the last row shown) and the next cursor."""
    rest = ranked
    if page.cursor is not None:
        last_score, last_id = decode_cursor(page.cursor, _ORDER, ["float", "int"])
        rest = [r for r in ranked if (-r.score, r.hotel_id) > (-last_score, last_id)]
    shown = rest[: page.limit]
    more = len(rest) > page.limit
    return shown, (encode_cursor(_ORDER, [shown[-1].score, shown[-1].hotel_id]) if more else None)


def _card(row: Any, world: World) -> dict[str, Any]:
    index = world.indices.get(row.id)
    return {
        "hotel_id": row.id,
        "name": row.name,
        "city": row.city,
        "stars": row.stars,
        "reputation_index": None if index is None else round(index, 2),
    }


async def _page_body(
    connection: AsyncConnection, world: World, ranked: list[Ranked], page: PageRequest
) -> dict[str, Any]:
    shown, next_cursor = _page_of(ranked, page)
    cards = await repo.hotel_cards(connection, hotel_ids=[r.hotel_id for r in shown])
    items = [
        {
            **_card(cards[r.hotel_id], world),
            "expected_rating": round(r.expected_rating, 3),
            "score": round(r.score, 4),
            "why": list(r.why),
        }
        for r in shown
        if r.hotel_id in cards
    ]
    return page_body(items, next_cursor, len(ranked) if page.include_total else None, page=page)


def shares(world: World, weights: Matrix) -> dict[str, float]:
    """Each aspect's share of what the weights make of a typical (one standard deviation)
    difference between hotels, signed: |w × sd| over its sum. Raw coefficients are not
    comparable: an aspect few reviews mention has scores close together (its reputation
    score stays near the hotel's overall index), so a large coefficient there moves ratings
    less than a small one on an aspect whose scores spread wide."""
    return {a: round(s, 4) for a, s in normalised_weights(weights * world.spread).items()}


def model_read(world: World, traveller_type: str | None) -> dict[str, Any]:
    """The weights a ranking used: the type's own, or the pooled ones ("all")."""
    model = world.model
    if model is None:
        return {"traveller_type": None, "ratings": 0, "weights": None, "top_aspects": []}
    key = traveller_type if traveller_type in model.weights else ANY_TYPE
    weights = shares(world, model.weights[key])
    return {
        "traveller_type": "all" if key == ANY_TYPE else key,
        "ratings": model.stays_used[key],
        "weights": weights,
        "top_aspects": sorted(weights, key=lambda a: -weights[a])[:WHY_ASPECTS],
    }


async def recommendations_read(
    *, engine: AsyncEngine, city: str, traveller_type: str | None, page: PageRequest
) -> dict[str, Any]:
    """A city's hotels ranked for a traveller type (None: every traveller)."""
    async with read_transaction(engine) as connection:
        world = await current_world(connection, engine=engine)
        if world.model is None:
            ranked = []
        else:
            ranked = rank_city(
                world,
                city=city_key(city),
                weights=world.model.weights_for(traveller_type),
                intercept=world.model.intercept_for(traveller_type),
            )
        body = await _page_body(connection, world, ranked, page)
    return {
        **body,
        "city": city,
        "traveller_type": traveller_type,
        "model": model_read(world, traveller_type),
        "popularity_weight": POPULARITY_WEIGHT,
    }


async def traveller_types_read(*, engine: AsyncEngine) -> dict[str, Any]:
    """What each traveller type's ratings say it cares about (and the pooled model's)."""
    async with read_transaction(engine) as connection:
        world = await current_world(connection, engine=engine)
    ratings = Counter[str]()
    for (_, traveller_type), (count, _) in world.sums.items():
        ratings[traveller_type] += count
    items = []
    for traveller_type in (*TRAVELLER_TYPES, None):
        model = model_read(world, traveller_type)
        items.append(
            {
                "traveller_type": traveller_type or "all",
                "ratings": sum(ratings.values())
                if traveller_type is None
                else ratings[traveller_type],
                "own_model": model["traveller_type"] == (traveller_type or "all")
                and model["weights"] is not None,
                "weights": model["weights"],
                "top_aspects": model["top_aspects"],
            }
        )
    return {"items": items, "hotels": len(world.profiles)}


async def reviewer_recommendations_read(
    *,
    engine: AsyncEngine,
    name: str,
    country: str | None,
    city: str | None,
    page: PageRequest,
) -> dict[str, Any]:
    """Hotels for one reviewer: their history's weights (or their type's), hotels they
    reviewed left out; ReviewerNotFound when no review has that name and country."""
    async with read_transaction(engine) as connection:
        history = await repo.reviewer_history(connection, name=name, country=country)
        if not history:
            raise ReviewerNotFound(f"{name!r} ({country or 'no country'})")
        world = await current_world(connection, engine=engine)
        latest = history[-1].hotel_id
        if city is not None:
            key = city_key(city)
        elif latest in world.profiles:
            key = world.profiles[latest].city
        else:
            key = city_key(await repo.hotel_city(connection, hotel_id=latest) or "")
        traveller_type = _usual_type(history)
        stays = [
            Stay(
                reviewer_id=0,
                hotel_id=row.hotel_id,
                traveller_type=row.traveller_type or UNKNOWN_TYPE,
                rating=float(row.rating_normalized),
                stayed_on=row.review_date.date(),
            )
            for row in history
        ]
        rated = sum(1 for s in stays if s.hotel_id in world.profiles)
        basis = "reviewer_history" if rated >= 2 and world.model is not None else "traveller_type"
        if world.model is None:
            ranked: list[Ranked] = []
            weights = None
        else:
            weights = fit_reviewer_weights(
                history=stays,
                traveller_type=traveller_type,
                type_model=world.model,
                profiles=world.profiles,
                strength=DEFAULT_STRENGTH,
            )
            ranked = rank_city(
                world,
                city=key,
                weights=weights,
                intercept=world.model.intercept_for(traveller_type),
                exclude={s.hotel_id for s in stays},
            )
        body = await _page_body(connection, world, ranked, page)
    return {
        **body,
        "reviewer": {
            "name": name,
            "country": country,
            "reviews": len(history),
            "traveller_type": traveller_type,
        },
        "city": city if city is not None else key,
        "basis": basis,
        "weights": None if weights is None else shares(world, weights),
        "popularity_weight": POPULARITY_WEIGHT,
    }


def _usual_type(history: Sequence[Any]) -> str | None:
    """The traveller type the reviewer names most often (ties: the latest); None if never."""
    seen = [row.traveller_type for row in history if row.traveller_type]
    if not seen:
        return None
    counts = Counter(seen)
    best = max(counts.values())
    return next(t for t in reversed(seen) if counts[t] == best)
