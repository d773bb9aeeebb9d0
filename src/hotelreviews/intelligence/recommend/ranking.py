"""A city's scored hotels ranked for a set of aspect weights, as the API serves it, and its
keyset pages.

The order is what the offline evaluation found best (recommendations.md, "Measured"): the
weights' expected fit blended with log-popularity (`baselines.blended`, weight 1.5 as chosen
there), not the fit alone, which did not beat popularity; with a floor under popularity's
spread, so that a difference of a review or two between hotels is not blown up into one of a
standard deviation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from hotelreviews.core.pagination import PageRequest, decode_cursor, encode_cursor
from hotelreviews.intelligence.recommend.baselines import blended
from hotelreviews.intelligence.recommend.records import ASPECTS, Matrix
from hotelreviews.intelligence.recommend.type_model import DEFAULT_PRIOR_REVIEWS, shrunk_profiles
from hotelreviews.intelligence.recommend.world import World

POPULARITY_WEIGHT = 1.5  # chosen on held-out stays by bench/intelligence_recommend.py
# Review counts closer than a factor of e^0.5 (1.65) are not read as a popularity difference
# (baselines.blended); the planted world's cities spread far wider.
MIN_POPULARITY_SPREAD = 0.5
WHY_ASPECTS = 3
_ORDER = "recommended"  # the cursors' listing name


@dataclass(frozen=True, slots=True)
class Ranked:
    hotel_id: int
    score: float  # fit and popularity blended: the order
    expected_rating: float  # the model's expected rating (1–10 scale)
    why: tuple[str, ...]  # the aspects that lift this hotel most for these weights


def rank_city(
    world: World,
    *,
    city: str,
    weights: Matrix,
    intercept: float,
    exclude: Collection[int] = (),
) -> list[Ranked]:
    """The city's scored hotels (less `exclude`), best first for the weights."""
    candidates = [h for h in world.by_city.get(city, ()) if h not in exclude]
    if not candidates:
        return []
    shrunk = shrunk_profiles(
        profiles=world.profiles, hotel_ids=candidates, prior_reviews=DEFAULT_PRIOR_REVIEWS
    )
    fit = shrunk @ weights
    # What each aspect the traveller values adds against the city's average hotel: the
    # reason to pick this one (a bad score on an aspect weighted negatively is no reason).
    lift = (shrunk - shrunk.mean(axis=0)) * np.maximum(weights, 0.0)
    score = blended(
        preference={h: float(f) for h, f in zip(candidates, fit, strict=True)},
        counts=world.counts,
        popularity_weight=POPULARITY_WEIGHT,
        min_popularity_spread=MIN_POPULARITY_SPREAD,
    )
    ranked = [
        Ranked(
            hotel_id=h,
            score=score[h],
            expected_rating=float(fit[i] + intercept),
            why=tuple(
                ASPECTS[a]
                for a in np.argsort(-lift[i], kind="stable")[:WHY_ASPECTS]
                if lift[i, a] > 0
            ),
        )
        for i, h in enumerate(candidates)
    ]
    ranked.sort(key=lambda item: (-item.score, item.hotel_id))
    return ranked


def page_of(ranked: list[Ranked], page: PageRequest) -> tuple[list[Ranked], str | None]:
    """The page after the cursor (score, hotel id of the last row shown) and the next cursor."""
    rest = ranked
    if page.cursor is not None:
        last_score, last_id = decode_cursor(page.cursor, _ORDER, ["float", "int"])
        rest = [r for r in ranked if (-r.score, r.hotel_id) > (-last_score, last_id)]
    shown = rest[: page.limit]
    more = len(rest) > page.limit
    return shown, (encode_cursor(_ORDER, [shown[-1].score, shown[-1].hotel_id]) if more else None)
