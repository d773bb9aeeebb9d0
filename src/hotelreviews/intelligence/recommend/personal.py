"""Per-reviewer recommendations: the reviewer's own weights, shrunk toward their type's.

A reviewer's handful of ratings cannot fit ten weights alone, and a reviewer with none has
nothing to fit. So their weights solve a ridge problem whose penalty pulls toward the type's
learned weights instead of toward zero:

    minimise  sum_i (y_i - b - x_i . w)^2  +  strength * |w - w_type|^2

(x_i: profile of the i-th hotel they rated, y_i: their rating, b: their own mean, so a harsh
rater is not read as disliking every aspect). With no or one rating the data term is empty
after centring and w = w_type: a cold-start reviewer gets exactly the type model. The more
ratings, the more their own taste shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from hotelreviews.intelligence.recommend.records import (
    ASPECTS,
    HotelProfile,
    Matrix,
    Stay,
    profile_matrix,
)
from hotelreviews.intelligence.recommend.type_model import (
    DEFAULT_PRIOR_REVIEWS,
    TypeModel,
    score_hotels,
)

DEFAULT_STRENGTH = 80.0


def fit_reviewer_weights(
    *,
    history: Sequence[Stay],
    traveller_type: str | None,
    type_model: TypeModel,
    profiles: Mapping[int, HotelProfile],
    strength: float = DEFAULT_STRENGTH,
) -> Matrix:
    """The reviewer's aspect weights (ASPECTS order), shrunk toward their type's."""
    prior = type_model.weights_for(traveller_type)
    rated = [s for s in history if s.hotel_id in profiles]
    if len(rated) < 2:
        return prior.copy()
    x = profile_matrix(profiles=profiles, hotel_ids=[s.hotel_id for s in rated])
    y = np.array([s.rating for s in rated], dtype=np.float64)
    x = x - x.mean(axis=0)
    y = y - y.mean()
    gram = x.T @ x + strength * np.eye(len(ASPECTS))
    return np.asarray(np.linalg.solve(gram, x.T @ y + strength * prior), dtype=np.float64)


def recommend_for_reviewer(
    *,
    history: Sequence[Stay],
    traveller_type: str | None,
    city: str,
    type_model: TypeModel,
    profiles: Mapping[int, HotelProfile],
    k: int = 10,
    exclude: Iterable[int] = (),
    strength: float = DEFAULT_STRENGTH,
    prior_reviews: float = DEFAULT_PRIOR_REVIEWS,
) -> list[tuple[int, float]]:
    """The city's hotels the reviewer has not stayed in, ranked by their weights, best first."""
    weights = fit_reviewer_weights(
        history=history,
        traveller_type=traveller_type,
        type_model=type_model,
        profiles=profiles,
        strength=strength,
    )
    excluded = set(exclude) | {s.hotel_id for s in history}
    candidates = sorted(h for h, p in profiles.items() if p.city == city and h not in excluded)
    scores = score_hotels(
        weights=weights, profiles=profiles, hotel_ids=candidates, prior_reviews=prior_reviews
    )
    ranked = sorted(candidates, key=lambda h: (-scores[h], h))
    return [(h, scores[h]) for h in ranked[:k]]
