"""The records recommendations work on, and the aspect profile as a matrix.

Plain frozen records, not database rows, so the methods can be evaluated on planted data and
wired to storage later without change. A profile may lack an aspect (no review mentioned it):
it is filled with that aspect's mean over the hotels at hand, i.e. "no evidence either way".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from hotelreviews.intelligence.keys import ASPECTS

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class HotelProfile:
    """One hotel's per-aspect scores (0-10, as the reputation's aspect scores) and review count."""

    hotel_id: int
    city: str
    stars: int
    scores: Mapping[str, float]  # aspect key -> score; a missing key means no evidence
    review_count: int


@dataclass(frozen=True, slots=True)
class Stay:
    """One reviewed stay: who, where, as what kind of traveller, the rating (1-10), when."""

    reviewer_id: int
    hotel_id: int
    traveller_type: str
    rating: float
    stayed_on: date


def profile_matrix(*, profiles: Mapping[int, HotelProfile], hotel_ids: Sequence[int]) -> Matrix:
    """The hotels' scores as rows (ASPECTS order), a missing aspect filled with its mean."""
    raw = np.array(
        [[profiles[h].scores.get(a, np.nan) for a in ASPECTS] for h in hotel_ids],
        dtype=np.float64,
    ).reshape(len(hotel_ids), len(ASPECTS))
    means = _column_means(raw)
    missing = np.isnan(raw)
    raw[missing] = np.take(means, np.nonzero(missing)[1])
    return raw


def _column_means(raw: Matrix) -> Matrix:
    """Per-aspect mean over the known scores; 5.0 (mid-scale) when no hotel has the aspect."""
    known = ~np.isnan(raw)
    counts = known.sum(axis=0)
    sums = np.where(known, raw, 0.0).sum(axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), 5.0)


def standardised(matrix: Matrix) -> Matrix:
    """Each column to mean 0, standard deviation 1 (a constant column becomes all zeros)."""
    centred = matrix - matrix.mean(axis=0)
    spread = matrix.std(axis=0)
    scaled = np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 1e-12)
    return np.asarray(scaled, dtype=np.float64)
