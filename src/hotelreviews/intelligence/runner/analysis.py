"""Step 1: the aspect opinions of the touched hotels' reviews not analysed yet (or edited since),
and how a review's stored opinions read back as one polarity per aspect.

Stored compactly, one list per (aspect, sentence): [aspect, polarity, score, source, sentence].
The index and the detectors count a review once per aspect it has an opinion on, with the
polarity its opinions lean to (the sum of their signed scores): a review that praises the
staff in two sentences is one positive staff opinion, not two.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.intelligence.aspects import AspectOpinion, analyze_review
from hotelreviews.intelligence.reputation import RatedReview
from hotelreviews.intelligence.runner import repository as repo


def encode(opinions: Iterable[AspectOpinion]) -> list[list[Any]]:
    """The opinions as compact JSON lists."""
    return [
        [item.aspect, item.polarity, round(item.score, 3), item.source, item.sentence]
        for item in opinions
    ]


def review_polarities(stored: Sequence[Sequence[Any]] | None) -> tuple[tuple[str, str], ...]:
    """(aspect, "positive" | "negative") once per aspect the review leans on, sorted."""
    if not stored:
        return ()
    net: dict[str, float] = {}
    for aspect, polarity, score, *_ in stored:
        signed = abs(float(score)) if polarity == "positive" else -abs(float(score))
        net[aspect] = net.get(aspect, 0.0) + signed
    return tuple(
        (aspect, "positive" if total > 0 else "negative")
        for aspect, total in sorted(net.items())
        if total != 0
    )


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What the index and the detectors read of a review."""

    id: int
    provider: str
    rating: float
    rating_scale: float
    review_date: datetime
    opinions: Sequence[Sequence[Any]] | None


@dataclass(frozen=True, slots=True)
class Analysed:
    """What `analyse_hotels` stored: the reviews new to the runner, per hotel, as the index
    takes them, and the hotels with an edited review (whose state must be rebuilt)."""

    rows: list[dict[str, Any]]  # to store in review_opinions
    fresh: dict[int, list[RatedReview]]
    edited: set[int]
    # The ids of `fresh`'s reviews, in the same order (scoring leaves cross-posts out).
    fresh_ids: dict[int, list[int]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.rows)

    def current(self, reviews: Iterable[Any]) -> list[ReviewFacts]:
        """Review rows (id, provider, rating, rating_scale, review_date, opinions) read before
        this analysis is stored, with its opinions where it has new ones."""
        mine = {row["review_id"]: row["opinions"] for row in self.rows}
        return [
            ReviewFacts(
                id=row.id,
                provider=row.provider,
                rating=row.rating,
                rating_scale=row.rating_scale,
                review_date=row.review_date,
                opinions=mine.get(row.id, row.opinions),
            )
            for row in reviews
        ]


async def analyse_hotels(
    connection: AsyncConnection, *, hotel_ids: Collection[int], now: datetime
) -> Analysed:
    """Analyse the hotels' reviews that need it (reads only; store `rows` after)."""
    rows = await repo.reviews_to_analyse(connection, hotel_ids=hotel_ids)
    stored = []
    fresh: dict[int, list[RatedReview]] = {}
    fresh_ids: dict[int, list[int]] = {}
    edited: set[int] = set()
    for row in rows:
        found = analyze_review(
            title=row.title,
            text=row.text,
            positives=row.positives,
            negatives=row.negatives,
            language=row.language,
            rating_normalized=row.rating_normalized,
        )
        opinions = encode(found.opinions)
        if row.edited:
            edited.add(row.hotel_id)
        else:
            fresh_ids.setdefault(row.hotel_id, []).append(row.id)
            fresh.setdefault(row.hotel_id, []).append(
                RatedReview(
                    provider=row.provider,
                    rating=row.rating,
                    rating_scale=row.rating_scale,
                    review_date=row.review_date,
                    opinions=review_polarities(opinions),
                )
            )
        stored.append(
            {
                "review_id": row.id,
                "hotel_id": row.hotel_id,
                "review_day": utc_day(row.review_date),
                "language": found.language,
                "opinions": opinions,
                "analysed_at": now,
                "source_changed_at": row.last_changed_at,
            }
        )
    return Analysed(rows=stored, fresh=fresh, edited=edited, fresh_ids=fresh_ids)
