"""What each traveller type rates highly, learned: ridge regression of ratings on aspect profiles.

Per traveller type, the ratings its reviewers gave are regressed on the rated hotels' aspect
profiles; the coefficients are that type's aspect weights (rating points per profile point).
Nothing about families or business travellers is written here, so the weights follow the data
and can be checked against planted ones (bench/intelligence_recommend.py). Ridge rather than
least squares because aspect scores are correlated (better hotels are better at most things)
and a small type would otherwise get wild weights. A pooled model over every stay stands in for
a type with too few ratings.

Ranking a city for a type scores each hotel by weights . profile, with the profile first shrunk
toward the city's mean by n / (n + prior_reviews): a hotel with three reviews and a perfect
profile is more likely lucky than perfect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge

from hotelreviews.intelligence.recommend.records import (
    ASPECTS,
    HotelProfile,
    Matrix,
    Stay,
    profile_matrix,
)

ANY_TYPE = "*"  # the pooled model's key
MIN_STAYS_PER_TYPE = 30  # below this a type uses the pooled model
DEFAULT_ALPHA = 10.0
DEFAULT_PRIOR_REVIEWS = 3.0


@dataclass(frozen=True, slots=True)
class TypeModel:
    """Learned aspect weights (ASPECTS order) and intercept per traveller type, and the pooled."""

    weights: Mapping[str, Matrix]
    intercepts: Mapping[str, float]
    stays_used: Mapping[str, int]

    def weights_for(self, traveller_type: str | None) -> Matrix:
        """The type's weights, or the pooled ones for an unknown or thinly rated type."""
        return self.weights.get(traveller_type or ANY_TYPE, self.weights[ANY_TYPE])

    def intercept_for(self, traveller_type: str | None) -> float:
        """The type's intercept, or the pooled one (see weights_for)."""
        return self.intercepts.get(traveller_type or ANY_TYPE, self.intercepts[ANY_TYPE])


def fit_type_model(
    *,
    stays: Iterable[Stay],
    profiles: Mapping[int, HotelProfile],
    alpha: float = DEFAULT_ALPHA,
    min_stays: int = MIN_STAYS_PER_TYPE,
) -> TypeModel:
    """Ridge per traveller type (with at least `min_stays` ratings) plus the pooled model."""
    rated = [s for s in stays if s.hotel_id in profiles]
    if not rated:
        raise ValueError("no stay at a hotel with a profile: nothing to learn from")
    hotel_ids = sorted(profiles)
    row_of = {h: i for i, h in enumerate(hotel_ids)}
    features = profile_matrix(profiles=profiles, hotel_ids=hotel_ids)
    groups: dict[str, list[Stay]] = {ANY_TYPE: rated}
    for stay in rated:
        groups.setdefault(stay.traveller_type, []).append(stay)
    weights: dict[str, Matrix] = {}
    intercepts: dict[str, float] = {}
    used: dict[str, int] = {}
    for traveller_type, group in groups.items():
        if traveller_type != ANY_TYPE and len(group) < min_stays:
            continue
        x = features[[row_of[s.hotel_id] for s in group]]
        y = np.array([s.rating for s in group], dtype=np.float64)
        ridge = Ridge(alpha=alpha).fit(x, y)
        weights[traveller_type] = np.asarray(ridge.coef_, dtype=np.float64)
        intercepts[traveller_type] = float(ridge.intercept_)
        used[traveller_type] = len(group)
    return TypeModel(weights=weights, intercepts=intercepts, stays_used=used)


def fit_type_model_from_sums(
    *,
    sums: Mapping[tuple[int, str], tuple[int, float]],
    profiles: Mapping[int, HotelProfile],
    alpha: float = DEFAULT_ALPHA,
    min_stays: int = MIN_STAYS_PER_TYPE,
) -> TypeModel:
    """`fit_type_model` from per (hotel, traveller type) rating counts and sums alone.

    Every stay at a hotel has the same features (the hotel's profile), so the per-stay
    squared error splits into a count-weighted error on the hotel's mean rating plus a
    within-hotel spread that does not depend on the weights: ridge on the means, weighted by
    the counts, has the same minimiser (unit-tested against `fit_type_model`). That is what
    lets the runner keep two numbers per hotel and type instead of every rating."""
    rated = {key: value for key, value in sums.items() if key[0] in profiles and value[0] > 0}
    if not rated:
        raise ValueError("no rating at a hotel with a profile: nothing to learn from")
    hotel_ids = sorted(profiles)
    row_of = {h: i for i, h in enumerate(hotel_ids)}
    features = profile_matrix(profiles=profiles, hotel_ids=hotel_ids)
    pooled: dict[int, list[float]] = {}
    groups: dict[str, list[tuple[int, int, float]]] = {}
    for (hotel_id, traveller_type), (count, total) in sorted(rated.items()):
        groups.setdefault(traveller_type, []).append((hotel_id, count, total))
        entry = pooled.setdefault(hotel_id, [0, 0.0])
        entry[0] += count
        entry[1] += total
    groups[ANY_TYPE] = [(h, int(n), float(t)) for h, (n, t) in sorted(pooled.items())]
    weights: dict[str, Matrix] = {}
    intercepts: dict[str, float] = {}
    used: dict[str, int] = {}
    for traveller_type, group in groups.items():
        stays = sum(count for _, count, _ in group)
        if traveller_type != ANY_TYPE and stays < min_stays:
            continue
        x = features[[row_of[h] for h, _, _ in group]]
        counts = np.array([count for _, count, _ in group], dtype=np.float64)
        means = np.array([total / count for _, count, total in group], dtype=np.float64)
        ridge = Ridge(alpha=alpha).fit(x, means, sample_weight=counts)
        weights[traveller_type] = np.asarray(ridge.coef_, dtype=np.float64)
        intercepts[traveller_type] = float(ridge.intercept_)
        used[traveller_type] = stays
    return TypeModel(weights=weights, intercepts=intercepts, stays_used=used)


def normalised_weights(weights: Matrix) -> dict[str, float]:
    """Weights as shares of their absolute sum, by aspect key (for reading and comparing)."""
    total = float(np.abs(weights).sum())
    return {
        a: (float(w) / total if total > 0 else 0.0) for a, w in zip(ASPECTS, weights, strict=True)
    }


def shrunk_profiles(
    *, profiles: Mapping[int, HotelProfile], hotel_ids: Sequence[int], prior_reviews: float
) -> Matrix:
    """The hotels' profiles pulled toward their mean by n / (n + prior_reviews) each."""
    raw = profile_matrix(profiles=profiles, hotel_ids=hotel_ids)
    if len(hotel_ids) == 0:
        return raw
    counts = np.array([profiles[h].review_count for h in hotel_ids], dtype=np.float64)
    trust = counts / (counts + prior_reviews) if prior_reviews > 0 else np.ones_like(counts)
    mean = raw.mean(axis=0)
    return np.asarray(mean + trust[:, None] * (raw - mean), dtype=np.float64)


def score_hotels(
    *,
    weights: Matrix,
    profiles: Mapping[int, HotelProfile],
    hotel_ids: Sequence[int],
    prior_reviews: float = DEFAULT_PRIOR_REVIEWS,
) -> dict[int, float]:
    """weights . (shrunk profile) per hotel: the rating a traveller with those weights expects,
    up to a constant."""
    shrunk = shrunk_profiles(profiles=profiles, hotel_ids=hotel_ids, prior_reviews=prior_reviews)
    return {h: float(s) for h, s in zip(hotel_ids, shrunk @ weights, strict=True)}


def recommend_for_type(
    *,
    city: str,
    traveller_type: str | None,
    model: TypeModel,
    profiles: Mapping[int, HotelProfile],
    k: int = 10,
    exclude: Iterable[int] = (),
    prior_reviews: float = DEFAULT_PRIOR_REVIEWS,
) -> list[tuple[int, float]]:
    """The city's hotels ranked for the traveller type: (hotel_id, expected rating), best first."""
    excluded = set(exclude)
    candidates = sorted(h for h, p in profiles.items() if p.city == city and h not in excluded)
    scores = score_hotels(
        weights=model.weights_for(traveller_type),
        profiles=profiles,
        hotel_ids=candidates,
        prior_reviews=prior_reviews,
    )
    offset = model.intercept_for(traveller_type)
    ranked = sorted(candidates, key=lambda h: (-scores[h], h))
    return [(h, scores[h] + offset) for h in ranked[:k]]
