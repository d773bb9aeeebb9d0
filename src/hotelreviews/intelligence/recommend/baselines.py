"""The baselines a recommender must beat: popularity and item-kNN over who stayed where.

Popularity (most reviewed first) is what a listing sorted by review count shows; item-kNN
(hotels whose guests overlap with the hotels you stayed in) is the classic collaborative
filter that needs no aspect profile. Both learn only from the training stays given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from hotelreviews.intelligence.recommend.records import Matrix, Stay


def popularity(stays: Iterable[Stay]) -> dict[int, int]:
    """Number of reviewed stays per hotel."""
    return dict(Counter(s.hotel_id for s in stays))


@dataclass(frozen=True, slots=True)
class ItemKnn:
    """Cosine similarity between hotels' guest sets (binary reviewer x hotel matrix)."""

    hotel_ids: tuple[int, ...]
    similarity: Matrix

    def scores(self, *, history: Sequence[int], candidates: Iterable[int]) -> dict[int, float]:
        """Per candidate, its summed similarity to the hotels in the history."""
        row_of = {h: i for i, h in enumerate(self.hotel_ids)}
        rows = [row_of[h] for h in history if h in row_of]
        result: dict[int, float] = {}
        for candidate in candidates:
            column = row_of.get(candidate)
            result[candidate] = (
                float(self.similarity[rows, column].sum()) if column is not None and rows else 0.0
            )
        return result


def fit_item_knn(stays: Iterable[Stay]) -> ItemKnn:
    """The hotel x hotel cosine over the reviewers who stayed in each."""
    pairs = {(s.reviewer_id, s.hotel_id) for s in stays}
    reviewers = sorted({r for r, _ in pairs})
    hotel_ids = tuple(sorted({h for _, h in pairs}))
    reviewer_row = {r: i for i, r in enumerate(reviewers)}
    hotel_col = {h: i for i, h in enumerate(hotel_ids)}
    matrix = np.zeros((len(reviewers), len(hotel_ids)), dtype=np.float64)
    for reviewer_id, hotel_id in pairs:
        matrix[reviewer_row[reviewer_id], hotel_col[hotel_id]] = 1.0
    co_stays = matrix.T @ matrix
    norms = np.sqrt(np.diag(co_stays))
    similarity = co_stays / np.maximum(np.outer(norms, norms), 1e-12)
    np.fill_diagonal(similarity, 0.0)  # a hotel is not its own neighbour
    return ItemKnn(hotel_ids=hotel_ids, similarity=similarity)


def blended(
    *,
    preference: Mapping[int, float],
    counts: Mapping[int, int],
    popularity_weight: float,
    min_popularity_spread: float = 0.0,
) -> dict[int, float]:
    """Preference and log-popularity, each standardised over the candidates, then added.

    Choice in the wild is popularity AND fit: a ranking by fit alone ignores why most people
    end up where they do, popularity alone ignores the traveller. The weight is chosen on
    held-out data by the caller, not assumed. `min_popularity_spread` floors the standard
    deviation of log-popularity that it is divided by: among hotels with 28 and 29 reviews
    the difference is noise, and standardising it would blow it up to ±1 (the served ranking
    uses a floor; in the evaluated world the spread is far above it)."""
    candidates = sorted(preference)
    fit = _z(np.array([preference[h] for h in candidates], dtype=np.float64))
    pop = _z(
        np.log1p(np.array([counts.get(h, 0) for h in candidates], dtype=np.float64)),
        min_spread=min_popularity_spread,
    )
    return {
        h: float(f + popularity_weight * p) for h, f, p in zip(candidates, fit, pop, strict=True)
    }


def _z(values: Matrix, *, min_spread: float = 0.0) -> Matrix:
    """Standardised values (divided by at least `min_spread`); all zeros when they do not
    vary."""
    spread = max(float(values.std()), min_spread)
    return (values - values.mean()) / spread if spread > 1e-12 else np.zeros_like(values)
