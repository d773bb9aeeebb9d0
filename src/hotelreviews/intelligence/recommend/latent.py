"""A latent-factor model of who stays where: PureSVD over the reviewer x hotel matrix.

The alternative to aspect weights that the brief asks to measure: no profiles, no ratings,
only which hotels each reviewer chose, factorised into a few latent tastes (truncated SVD of
the binary matrix, "PureSVD", Cremonesi et al. 2010, a strong top-N baseline). A reviewer's
score for a hotel is their row of the matrix projected onto the factors and back, so a new
reviewer needs no refit: their history alone gives the projection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import TruncatedSVD

from hotelreviews.intelligence.recommend.records import Matrix, Stay

DEFAULT_FACTORS = 16


@dataclass(frozen=True, slots=True)
class LatentFactors:
    """Hotel factors (hotels x factors, orthonormal columns) from the training stays."""

    hotel_ids: tuple[int, ...]
    hotel_factors: Matrix

    def scores(self, *, history: Sequence[int], candidates: Iterable[int]) -> dict[int, float]:
        """Per candidate, the reviewer's history projected onto the factors and back."""
        column = {h: i for i, h in enumerate(self.hotel_ids)}
        row = np.zeros(len(self.hotel_ids))
        for hotel_id in history:
            if hotel_id in column:
                row[column[hotel_id]] = 1.0
        reconstructed = self.hotel_factors @ (self.hotel_factors.T @ row)
        return {h: (float(reconstructed[column[h]]) if h in column else 0.0) for h in candidates}


def fit_latent_factors(
    stays: Iterable[Stay], *, factors: int = DEFAULT_FACTORS, seed: int = 0
) -> LatentFactors:
    """Truncated SVD of the binary reviewer x hotel matrix (at most hotels - 1 factors)."""
    pairs = {(s.reviewer_id, s.hotel_id) for s in stays}
    reviewers = sorted({r for r, _ in pairs})
    hotel_ids = tuple(sorted({h for _, h in pairs}))
    reviewer_row = {r: i for i, r in enumerate(reviewers)}
    hotel_col = {h: i for i, h in enumerate(hotel_ids)}
    matrix = np.zeros((len(reviewers), len(hotel_ids)), dtype=np.float64)
    for reviewer_id, hotel_id in pairs:
        matrix[reviewer_row[reviewer_id], hotel_col[hotel_id]] = 1.0
    rank = max(1, min(factors, len(hotel_ids) - 1, len(reviewers) - 1))
    svd = TruncatedSVD(n_components=rank, random_state=seed).fit(matrix)
    return LatentFactors(
        hotel_ids=hotel_ids, hotel_factors=np.asarray(svd.components_.T, dtype=np.float64)
    )
