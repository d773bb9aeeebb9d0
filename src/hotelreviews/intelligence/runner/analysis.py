"""Step 1: the aspect opinions of the touched hotels' reviews not analysed yet (or edited since).

Stored compactly, one list per (aspect, sentence): [aspect, polarity, score, source, sentence];
how they read back as one polarity per aspect is intelligence.opinions.polarity's (imported
here, as the runner's steps import it from this module).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.intelligence.aspects import AspectOpinion, analyze_review
from hotelreviews.intelligence.opinions.polarity import review_polarities
from hotelreviews.intelligence.reputation import RatedReview
from hotelreviews.intelligence.runner import repository as repo


def encode(opinions: Iterable[AspectOpinion]) -> list[list[Any]]:
    """The opinions as compact JSON lists."""
    return [
        [item.aspect, item.polarity, round(item.score, 3), item.source, item.sentence]
        for item in opinions
    ]


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
    # The review rows analysed, in id order, with their texts and traveller type: the tastes
    # step adds the fresh ones from these rather than reading the texts a second time.
    reviews: list[Any] = field(default_factory=list)
    _by_review: dict[int, list[list[Any]]] | None = field(default=None, compare=False, repr=False)

    @property
    def count(self) -> int:
        return len(self.rows)

    def _opinions_by_review(self) -> dict[int, list[list[Any]]]:
        # Built once: `current` runs for every hotel of the batch (twice), and a
        # resynchronisation's batch holds every review of up to `limit` hotels.
        if self._by_review is None:
            object.__setattr__(
                self, "_by_review", {row["review_id"]: row["opinions"] for row in self.rows}
            )
        assert self._by_review is not None
        return self._by_review

    def current(self, reviews: Iterable[Any]) -> list[ReviewFacts]:
        """Review rows (id, provider, rating, rating_scale, review_date, opinions) read before
        this analysis is stored, with its opinions where it has new ones."""
        mine = self._opinions_by_review()
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
    return Analysed(rows=stored, fresh=fresh, edited=edited, fresh_ids=fresh_ids, reviews=rows)
