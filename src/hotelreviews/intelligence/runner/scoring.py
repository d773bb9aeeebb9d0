"""Step 2: the touched hotels' reputation states, brought up to date and stored, their scores
against their city's prior, and the ranks of their competitive sets.

A state is kept incrementally where that is exact: when the batch only brings reviews new to
the runner (no stored opinions yet), they are added to the stored state (O(1) each,
`HotelReputationState.add`); the state then holds exactly the reviews with stored opinions,
because both are written in the same transaction. It is rebuilt from the hotel's whole
history (`from_reviews`, one indexed query, ~10 µs a review) when a review was edited (the
sums cannot subtract the old version), when the hotel has no stored state, and when
resynchronising. A review flagged as the later copy of a cross-posted stay (one stay on two
providers) is left out of both: the stay counts once. A review whose cross-post flag changes
after it was counted (judged again) has its hotel rebuilt. Both paths give the same state up
to rounding, so a re-run after a crash,
where the opinions and the state committed together or not at all, finds the same reviews to
add to the same stored state.

The city prior is built once per city per transaction, from the city's stored states with the
touched hotels' new ones, after every touched hotel's state is updated: the touched hotels are
scored against the city as it stands at the end of the batch. Untouched neighbours keep their
stored index until next touched (their prior moved slightly); their ranks are recomputed at
once from the stored indices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
from hotelreviews.intelligence.runner import duplicates_repository
from hotelreviews.intelligence.runner import repository as repo
from hotelreviews.intelligence.runner.analysis import Analysed, review_polarities
from hotelreviews.intelligence.runner.duplicates import Judged

_TIE = 1e-9  # as intelligence.reputation.compset: indices this close share a rank


@dataclass(frozen=True, slots=True)
class Place:
    """Where a hotel competes: its city (normalised; None: unknown) and star band."""

    city_key: str | None
    band: str


def place_of(*, city: str | None, stars: float | None) -> Place:
    city_key = " ".join(city.lower().split()) if city else ""
    return Place(city_key=city_key or None, band=star_band(stars))


def state_of(*, reviews: Sequence[Any]) -> HotelReputationState:
    """The hotel's state from its review rows (provider, rating, scale, date, opinions)."""
    return HotelReputationState.from_reviews(
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


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _take_grades(*, state: HotelReputationState, standings: Sequence[Any]) -> None:
    """Take the hotel's provider grades into the state (newest per grade: idempotent)."""
    for row in standings:
        if isinstance(row.grades, Mapping) and row.grades:
            state.add_grades(
                provider=row.provider,
                grades={str(k): float(v) for k, v in row.grades.items() if _number(v)},
                rating_scale=row.rating_scale,
                snapshot_date=row.as_of,
            )


async def update_states(
    connection: AsyncConnection,
    *,
    places: Mapping[int, Place],
    analysed: Analysed,
    judged: Judged,
    rebuild: bool,
) -> tuple[dict[int, HotelReputationState], dict[int, Any], set[int]]:
    """The touched hotels' new states, the stored rows of them and their cities' hotels, and
    the hotels whose state was rebuilt from their whole history."""
    fresh = {i for ids in analysed.fresh_ids.values() for i in ids}
    # A review already counted (or left out) that is now judged otherwise: rebuild its hotel.
    recounted = {h for i, h in judged.recounted.items() if i not in fresh}
    # New to the state but judged before (a review committed between two plans' reads).
    fresh_copies = judged.later_copies(
        await duplicates_repository.cross_posted_among(connection, review_ids=fresh)
    )
    stored = await repo.stored_states(
        connection,
        city_keys={p.city_key for p in places.values() if p.city_key is not None},
        hotel_ids=list(places),
    )
    grades = await repo.hotels_grades(connection, hotel_ids=list(places))
    states: dict[int, HotelReputationState] = {}
    rebuilt: set[int] = set()
    for hotel_id in sorted(places):
        row = stored.get(hotel_id)
        if rebuild or row is None or hotel_id in analysed.edited or hotel_id in recounted:
            rebuilt.add(hotel_id)
            reviews = await repo.hotel_reviews(connection, hotel_id=hotel_id)
            stored_copies = await duplicates_repository.cross_posted(connection, hotel_id=hotel_id)
            copies = judged.later_copies(stored_copies)
            # Only reviews with opinions, stored or made now: one committed after the analysis
            # read has none yet, and is not in the state until a step analyses it ("no
            # opinions row" means "not in the state"; reads see each commit as it lands).
            state = state_of(
                reviews=[
                    r
                    for r in analysed.current(reviews)
                    if r.id not in copies and r.opinions is not None
                ]
            )
        else:
            state = HotelReputationState.from_dict(row.state)
            new = zip(
                analysed.fresh_ids.get(hotel_id, ()), analysed.fresh.get(hotel_id, ()), strict=True
            )
            state.add_many(reviews=[r for i, r in new if i not in fresh_copies])
        _take_grades(state=state, standings=grades.get(hotel_id, ()))
        states[hotel_id] = state
    return states, stored, rebuilt


def city_priors(
    *,
    places: Mapping[int, Place],
    states: Mapping[int, HotelReputationState],
    stored: Mapping[int, Any],
    as_of: datetime,
) -> dict[str, CityPrior]:
    """Each touched city's prior, from its hotels' states with the touched ones' new states."""
    priors: dict[str, CityPrior] = {}
    for city_key in sorted({p.city_key for p in places.values() if p.city_key is not None}):
        members = [
            HotelReputationState.from_dict(row.state)
            for hotel_id, row in stored.items()
            if row.city_key == city_key and hotel_id not in states
        ]
        members += [states[h] for h, place in places.items() if place.city_key == city_key]
        priors[city_key] = CityPrior.build(states=members, as_of=as_of)
    return priors


@dataclass(frozen=True, slots=True)
class Scored:
    """The reputation rows to upsert, the rank changes of untouched set members, the touched
    hotels' new states, and every hotel whose shown reputation changes."""

    rows: list[dict[str, Any]]
    ranks: list[tuple[int, int, int]]  # (hotel id, rank, set size)
    states: dict[int, HotelReputationState]
    changed: set[int]
    # States rebuilt from every review read now (reads see each commit as it lands: this may
    # count reviews committed after the analysis read, which the incremental path does not).
    rebuilt: set[int] = field(default_factory=set)


def competition_ranks(members: Sequence[tuple[int, float]]) -> dict[int, int]:
    """Rank per hotel id: 1 + the number of members with a strictly higher index."""
    return {
        hotel_id: 1 + sum(1 for _, other in members if other > index + _TIE)
        for hotel_id, index in members
    }


async def _sets(
    connection: AsyncConnection, *, places: Mapping[int, Place], indices: Mapping[int, float]
) -> tuple[dict[int, tuple[int, int]], list[tuple[int, int, int]]]:
    """(rank, size) of each touched hotel, and the changed (hotel, rank, size) of the other
    members of their sets, from the stored indices with the touched hotels' new ones."""
    touched: dict[int, tuple[int, int]] = {}
    others: list[tuple[int, int, int]] = []
    sets = {(p.city_key, p.band) for p in places.values() if p.city_key is not None}
    stored_sets = await repo.sets_members(connection, sets=sets)
    for hotel_id, place in places.items():
        if place.city_key is None:  # no city, no market: a set of one
            touched[hotel_id] = (1, 1)
    for key in sorted(sets):
        stored = {
            row.hotel_id: row
            for row in stored_sets[key]
            if row.hotel_id not in places  # a touched hotel may have moved out
        }
        members = [(h, row.reputation_index) for h, row in stored.items()]
        members += [(h, indices[h]) for h, p in places.items() if (p.city_key, p.band) == key]
        ranks = competition_ranks(members)
        size = len(members)
        for member, rank in ranks.items():
            if member in places:
                touched[member] = (rank, size)
            elif (rank, size) != (stored[member].rank, stored[member].set_size):
                others.append((member, rank, size))
    return touched, others


async def score_hotels(
    connection: AsyncConnection,
    *,
    places: Mapping[int, Place],
    analysed: Analysed,
    judged: Judged,
    rebuild: bool,
    now: datetime,
) -> Scored:
    """The touched hotels' reputations and their sets' ranks, computed (reads only)."""
    states, stored, rebuilt = await update_states(
        connection, places=places, analysed=analysed, judged=judged, rebuild=rebuild
    )
    priors = city_priors(places=places, states=states, stored=stored, as_of=now)
    scores = {
        hotel_id: reputation(
            state=states[hotel_id],
            prior=DEFAULT_PRIOR if place.city_key is None else priors[place.city_key],
            as_of=now,
        )
        for hotel_id, place in places.items()
    }
    ranks, others = await _sets(
        connection, places=places, indices={h: score.index for h, score in scores.items()}
    )
    rows = []
    for hotel_id, place in sorted(places.items()):
        scored = scores[hotel_id]
        rank, size = ranks[hotel_id]
        rows.append(
            {
                "hotel_id": hotel_id,
                "state": states[hotel_id].to_dict(),
                "reputation_index": scored.index,
                "confidence": scored.confidence,
                "reviews_effective": scored.reviews_effective,
                "aspects": {
                    key: [aspect.score, aspect.confidence, aspect.mentions]
                    for key, aspect in scored.aspects.items()
                },
                "city_key": place.city_key,
                "band": place.band,
                "rank": rank,
                "set_size": size,
                "updated_at": now,
            }
        )
    return Scored(
        rows=rows,
        ranks=others,
        states=states,
        changed=set(places) | {hotel_id for hotel_id, _, _ in others},
        rebuilt=rebuilt,
    )


async def store_scores(connection: AsyncConnection, *, scored: Scored) -> None:
    await repo.upsert_reputations(connection, rows=scored.rows)
    await repo.set_ranks(connection, ranks=scored.ranks)
