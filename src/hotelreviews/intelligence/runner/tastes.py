"""Step 4: the touched hotels' recommendation inputs (`hotel_tastes`): the count and sum of
their normalised ratings per traveller type, and the bounded bag of their reviews' terms.

Kept as the reputation state is (scoring.py): the reviews new to the runner in this batch (no
stored opinions yet) are added to the stored row; a hotel with an edited review (the sums
cannot take the old version back out), without a stored row, or in a resynchronisation is
rebuilt from all its reviews. The row is written in the same transaction as the reviews'
opinions, so the stored row always covers exactly the reviews with stored opinions, and a
re-run after a crash adds the same reviews to the same row: the same state, never a double
count. The ratings are exact either way; the term bag is cut to its most frequent terms
(recommend.terms), so an incremental bag can differ slightly from a rebuilt one in its tail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.intelligence.recommend.terms import merge_terms, review_words
from hotelreviews.intelligence.runner import repository as repo
from hotelreviews.intelligence.runner.analysis import Analysed

UNKNOWN_TYPE = "unknown"  # a review that names no traveller type


def _added(
    *, ratings: dict[str, list[float]], terms: dict[str, int], reviews: Iterable[Any]
) -> tuple[dict[str, list[float]], dict[str, int], int]:
    """The ratings and terms with the reviews added, and how many reviews were added."""
    totals = {key: [int(n), float(s)] for key, (n, s) in ratings.items()}
    # Every review's words in one list, counted once (in C) for the hotel: the same counts as
    # one Counter per review merged, without a Python-level merge per review.
    words: list[str] = []
    added = 0
    for review in reviews:
        entry = totals.setdefault(review.traveller_type or UNKNOWN_TYPE, [0, 0.0])
        entry[0] += 1
        entry[1] = round(entry[1] + float(review.rating_normalized), 6)
        words += review_words(review.title, review.text, review.positives, review.negatives)
        added += 1
    return dict(sorted(totals.items())), merge_terms(terms, [Counter(words)]), added


async def plan_tastes(
    connection: AsyncConnection,
    *,
    hotel_ids: Collection[int],
    analysed: Analysed,
    rebuild: bool,
    now: datetime,
) -> list[dict[str, Any]]:
    """The `hotel_tastes` rows to upsert for the touched hotels whose inputs changed (reads
    only). A hotel touched without new reviews keeps its row."""
    stored = await repo.stored_tastes(connection, hotel_ids=hotel_ids)
    rebuilt = {h for h in hotel_ids if rebuild or h in analysed.edited or h not in stored}
    by_hotel: dict[int, list[Any]] = {h: [] for h in rebuilt}
    # A rebuilt hotel's reviews: those analysed before (read here) and those of this batch,
    # new or edited, which the analysis read in this read transaction (no second read of their
    # texts); the other hotels' reviews in this batch are all new (an edit makes its hotel
    # rebuilt). In id order either way, as the ratings are summed in that order.
    for review in await repo.analysed_reviews_of_hotels(connection, hotel_ids=rebuilt):
        by_hotel[review.hotel_id].append(review)
    for review in analysed.reviews:
        by_hotel.setdefault(review.hotel_id, []).append(review)
    for hotel_id in rebuilt:
        by_hotel[hotel_id].sort(key=lambda review: review.id)
    rows = []
    for hotel_id, reviews in sorted(by_hotel.items()):
        base = stored.get(hotel_id)
        if hotel_id in rebuilt or base is None:
            ratings, terms, count = _added(ratings={}, terms={}, reviews=reviews)
        else:
            ratings, terms, added = _added(ratings=base.ratings, terms=base.terms, reviews=reviews)
            count = base.reviews + added
        rows.append(
            {
                "hotel_id": hotel_id,
                "ratings": ratings,
                "terms": terms,
                "reviews": count,
                "updated_at": now,
            }
        )
    return rows


async def store_tastes(connection: AsyncConnection, *, rows: list[dict[str, Any]]) -> None:
    await repo.upsert_tastes(connection, rows=rows)
