"""The four recommendation reads the API serves (similar hotels, a city for a traveller type,
the learned weights per type, a reviewer's own ranking), from the world (world.py) and the
ranking (ranking.py).

The per-reviewer ranking uses the reviewer's own weights shrunk toward their type's
(`personal`, two or more ratings at scored hotels); the evaluation found no gain from them
over the type's weights, which the response says through `basis`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import HotelNotFound, NotFound
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.hotels.repository import hotel_exists
from hotelreviews.intelligence.recommend import repository as repo
from hotelreviews.intelligence.recommend.personal import DEFAULT_STRENGTH, fit_reviewer_weights
from hotelreviews.intelligence.recommend.ranking import (
    POPULARITY_WEIGHT,
    WHY_ASPECTS,
    Ranked,
    page_of,
    rank_city,
)
from hotelreviews.intelligence.recommend.records import Stay
from hotelreviews.intelligence.recommend.similar import (
    DEFAULT_TEXT_WEIGHT,
    index_with_text_similarity,
)
from hotelreviews.intelligence.recommend.terms import bag_similarity
from hotelreviews.intelligence.recommend.type_model import ANY_TYPE
from hotelreviews.intelligence.recommend.world import World, city_key, current_world, shares
from hotelreviews.intelligence.runner.tastes import UNKNOWN_TYPE

TRAVELLER_TYPES = ("solo", "couple", "family", "group", "business", "other")
NOT_SCORED_REASON = (
    "not scored yet: the hotel has no reviews, or the intelligence runner has not reached "
    "its latest ones (it follows ingestion within seconds)"
)


class ReviewerNotFound(NotFound):
    code = "reviewer_not_found"
    resource = "reviewer"


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
    shown, next_cursor = page_of(ranked, page)
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
