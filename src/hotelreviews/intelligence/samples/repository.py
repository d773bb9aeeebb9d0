"""The aspect samples' one read: a hotel's newest analysed reviews, their stored opinions and
their texts (to cut into sentences again), with the provider's name."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.intelligence.opinions.tables import review_opinions
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.tables import reviews

# The newest reviews read per request: the work stays bounded whatever the hotel's size, and
# samples are meant to say what guests say now.
RECENT_REVIEWS = 300

o, r = review_opinions.c, reviews.c


async def recent_analysed_reviews(
    connection: AsyncConnection, *, hotel_id: int, limit: int = RECENT_REVIEWS
) -> list[Row[Any]]:
    """The hotel's newest `limit` analysed reviews (by review day, then id), newest first,
    each with its opinions, language, texts, date and provider; a review edited since its
    analysis is left out (its sentence numbers may no longer match its text)."""
    # The ids first, from ix_review_opinions_hotel_id_review_day alone (review_id is in it),
    # so that only `limit` rows' opinions and texts are ever fetched.
    newest = (
        sa.select(o.review_id)
        .where(o.hotel_id == hotel_id)
        .order_by(o.review_day.desc(), o.review_id.desc())
        .limit(limit)
        .subquery()
    )
    statement = (
        sa.select(
            o.review_id,
            o.language,
            o.opinions,
            r.title,
            r.text,
            r.positives,
            r.negatives,
            r.review_date,
            sa.func.coalesce(providers.c.name, providers.c.key).label("provider"),
        )
        .select_from(
            newest.join(review_opinions, o.review_id == newest.c.review_id)
            .join(reviews, r.id == o.review_id)
            .join(providers, providers.c.id == r.provider_id)
        )
        .where(o.source_changed_at == r.last_changed_at)
        .order_by(o.review_day.desc(), o.review_id.desc())
    )
    return list((await connection.execute(statement)).all())
