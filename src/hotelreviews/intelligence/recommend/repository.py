"""The SQL of the served recommendations: the scored hotels with their profiles and tastes,
hotel cards for a page, term bags for a city, and a reviewer's history (by the reviews'
(reviewer_name, reviewer_country) index, migration 0014)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.hotels.tables import hotels
from hotelreviews.intelligence.recommend.tables import hotel_tastes
from hotelreviews.intelligence.standing.tables import hotel_reputation
from hotelreviews.reviews.tables import reviews

h, hr, ht, r = hotels.c, hotel_reputation.c, hotel_tastes.c, reviews.c


async def scored_hotels(connection: AsyncConnection) -> list[Row[Any]]:
    """Every hotel with a stored reputation and tastes: (hotel_id, city_key, stars, aspects,
    reputation_index, ratings, reviews). The type model learns from all of them."""
    statement = (
        sa.select(
            hr.hotel_id,
            hr.city_key,
            h.stars,
            hr.aspects,
            hr.reputation_index,
            ht.ratings,
            ht.reviews,
        )
        .select_from(
            hotel_reputation.join(hotel_tastes, ht.hotel_id == hr.hotel_id).join(
                hotels, h.id == hr.hotel_id
            )
        )
        .order_by(hr.hotel_id)
    )
    return list((await connection.execute(statement)).all())


async def hotel_cards(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> dict[int, Row[Any]]:
    """(id, name, city, stars) of the hotels, by id."""
    if not hotel_ids:
        return {}
    statement = sa.select(h.id, h.name, h.city, h.stars).where(h.id.in_(sorted(hotel_ids)))
    return {row.id: row for row in (await connection.execute(statement)).all()}


async def term_bags(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> dict[int, dict[str, int]]:
    """The stored term bags of the hotels, by id."""
    if not hotel_ids:
        return {}
    statement = sa.select(ht.hotel_id, ht.terms).where(ht.hotel_id.in_(sorted(hotel_ids)))
    return {hotel_id: terms for hotel_id, terms in (await connection.execute(statement)).all()}


async def reviewer_history(
    connection: AsyncConnection, *, name: str, country: str | None
) -> list[Row[Any]]:
    """The reviewer's reviews (hotel_id, traveller_type, rating_normalized, review_date),
    oldest first. A reviewer is (name, country); no country means the reviews without one."""
    country_matches = (
        r.reviewer_country.is_(None) if country is None else (r.reviewer_country == country)
    )
    statement = (
        sa.select(r.hotel_id, r.traveller_type, r.rating_normalized, r.review_date)
        .where(r.reviewer_name == name, country_matches)
        .order_by(r.review_date, r.id)
    )
    return list((await connection.execute(statement)).all())


async def hotel_city(connection: AsyncConnection, *, hotel_id: int) -> str | None:
    """The hotel's city as stored on the hotel (for a reviewer whose last hotel is unscored)."""
    return (await connection.execute(sa.select(h.city).where(h.id == hotel_id))).scalar()
