"""Step 2: a touched hotel's reputation, recomputed from all its reviews and stored, and the
ranks of its competitive set.

The state is rebuilt from the whole history (`HotelReputationState.from_reviews`) rather than
updated with the batch's reviews: an edited review would otherwise have to be subtracted, and
a re-run after a crash would add a batch twice. Rebuilding is exact and idempotent at a cost
linear in the hotel's reviews (one indexed query and ~10 µs a review), paid once per touched
hotel per batch of events. The city prior comes from the stored states of the city's other
hotels, so a hotel's index moves when its own reviews change; its neighbours' indices catch up
when they are next touched (their ranks are recomputed at once, from the stored indices).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.intelligence.reputation import (
    DEFAULT_PRIOR,
    CityPrior,
    HotelReputationState,
    RatedReview,
    reputation,
    star_band,
)
from hotelreviews.intelligence.runner import repository as repo
from hotelreviews.intelligence.runner.analysis import review_polarities

_TIE = 1e-9  # as intelligence.reputation.compset: indices this close share a rank


@dataclass(frozen=True, slots=True)
class Place:
    """Where a hotel competes: its city (normalised; None: unknown) and star band."""

    city_key: str | None
    band: str


def place_of(*, city: str | None, stars: float | None) -> Place:
    city_key = " ".join(city.lower().split()) if city else ""
    return Place(city_key=city_key or None, band=star_band(stars))


def state_of(*, reviews: Sequence[Any], grades: Sequence[Any]) -> HotelReputationState:
    """The hotel's state from its review rows (provider, rating, scale, date, opinions) and
    its provider standings (provider, rating_scale, as_of, grades)."""
    state = HotelReputationState.from_reviews(
        reviews=[
            RatedReview(
                provider=row.provider,
                rating=row.rating,
                rating_scale=row.rating_scale,
                review_date=row.review_date,
                opinions=review_polarities(row.opinions),
            )
            for row in reviews
        ]
    )
    for row in grades:
        if isinstance(row.grades, Mapping) and row.grades:
            state.add_grades(
                provider=row.provider,
                grades={str(k): float(v) for k, v in row.grades.items() if _number(v)},
                rating_scale=row.rating_scale,
                snapshot_date=row.as_of,
            )
    return state


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


async def score_hotel(
    connection: AsyncConnection,
    *,
    hotel_id: int,
    place: Place,
    reviews: Sequence[Any],
    now: datetime,
) -> None:
    """Recompute and store the hotel's reputation (its rank is set by `rank_sets`)."""
    grades = await repo.hotel_grades(connection, hotel_id=hotel_id)
    state = state_of(reviews=reviews, grades=grades)
    prior = DEFAULT_PRIOR
    if place.city_key is not None:
        neighbours = await repo.city_states(
            connection, city_key=place.city_key, excluding=[hotel_id]
        )
        prior = CityPrior.build(
            states=[*(HotelReputationState.from_dict(s) for s in neighbours), state], as_of=now
        )
    scored = reputation(state=state, prior=prior, as_of=now)
    await repo.upsert_reputation(
        connection,
        row={
            "hotel_id": hotel_id,
            "state": state.to_dict(),
            "reputation_index": scored.index,
            "confidence": scored.confidence,
            "reviews_effective": scored.reviews_effective,
            "aspects": {
                key: [aspect.score, aspect.confidence, aspect.mentions]
                for key, aspect in scored.aspects.items()
            },
            "city_key": place.city_key,
            "band": place.band,
            "rank": 1,
            "set_size": 1,
            "updated_at": now,
        },
    )


def competition_ranks(members: Sequence[tuple[int, float]]) -> dict[int, int]:
    """Rank per hotel id: 1 + the number of members with a strictly higher index."""
    return {
        hotel_id: 1 + sum(1 for _, other in members if other > index + _TIE)
        for hotel_id, index in members
    }


async def rank_sets(connection: AsyncConnection, *, places: Mapping[int, Place]) -> set[int]:
    """Recompute the ranks of the sets these hotels are in; the hotels whose rank or set size
    changed (their cached pages are stale)."""
    changed: set[int] = set()
    done: set[tuple[str | None, str]] = set()
    for hotel_id, place in sorted(places.items()):
        if place.city_key is not None and (place.city_key, place.band) in done:
            continue
        done.add((place.city_key, place.band))
        rows = await repo.set_members(
            connection, city_key=place.city_key, band=place.band, hotel_id=hotel_id
        )
        ranks = competition_ranks([(row.hotel_id, row.reputation_index) for row in rows])
        for row in rows:
            rank = ranks[row.hotel_id]
            if (rank, len(rows)) != (row.rank, row.set_size):
                await repo.set_rank(
                    connection, hotel_id=row.hotel_id, rank=rank, set_size=len(rows)
                )
                changed.add(row.hotel_id)
    return changed
