"""Measurement 4 of bench/intelligence_recommend.py: the next stay, leave-last-out.

Each reviewer's last stay is hidden; the candidates are the hotels of the hidden stay's city
minus those the reviewer already reviewed in training. NDCG@10 and HR@10 (= recall@10, one
relevant hotel) for the models vs popularity and item-kNN, overall and per traveller type; the
models' knobs are chosen by the same leave-last-out inside the training stays.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from hotelreviews.demo.planted.reviewers import (
    PlantedWorld,
)
from hotelreviews.intelligence.recommend.baselines import blended, fit_item_knn, popularity
from hotelreviews.intelligence.recommend.evaluation import (
    LeaveLastOut,
    leave_last_out,
    ndcg_at_k,
    ranked_by_score,
    recall_at_k,
)
from hotelreviews.intelligence.recommend.latent import LatentFactors, fit_latent_factors
from hotelreviews.intelligence.recommend.personal import fit_reviewer_weights
from hotelreviews.intelligence.recommend.records import Stay
from hotelreviews.intelligence.recommend.type_model import (
    fit_type_model,
    score_hotels,
)

K = 10
STRENGTHS = (1.0, 5.0, 20.0, 80.0, 1e9)  # 1e9: the type's weights, unchanged
FACTORS = (2, 4, 8, 16)
POPULARITY_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
Option = TypeVar("Option")
Scorer = Callable[[Stay, Sequence[Stay], list[int]], dict[int, float]]


def next_stay(world: PlantedWorld, *, strength: float | None) -> dict[str, Any]:
    """Leave-last-out NDCG@10 / HR@10 per method, overall and per traveller type."""
    split = leave_last_out(world.stays)
    # The knobs are chosen by the same leave-last-out inside the training stays, so the test
    # stays never pick them.
    inner = leave_last_out(split.training)

    def inner_scorer(name: str, **knobs: Any) -> Scorer:
        return _scorers(world, training=inner.training, **knobs)[name]

    if strength is None:
        strength = _best_on(
            world, split=inner, options=STRENGTHS,
            scorer_for=lambda pull: inner_scorer("personal", strength=pull),
        )  # fmt: skip
    popularity_weight = _best_on(
        world, split=inner, options=POPULARITY_WEIGHTS,
        scorer_for=lambda weight: inner_scorer(
            "personal + popularity", strength=strength, popularity_weight=weight
        ),
    )  # fmt: skip
    factors = _best_on(
        world, split=inner, options=FACTORS,
        scorer_for=lambda count: inner_scorer("PureSVD", factors=count),
    )  # fmt: skip
    scorers = _scorers(
        world,
        training=split.training,
        strength=strength,
        popularity_weight=popularity_weight,
        factors=factors,
    )
    figures = _evaluate(world, split=split, scorers=scorers)
    figures["popularity_weight"] = popularity_weight
    figures["strength"] = strength
    figures["factors"] = factors
    figures["strength_sweep"] = {
        pull: _evaluate(
            world,
            split=split,
            scorers={
                "personal": _scorers(world, training=split.training, strength=pull)["personal"]
            },
        )["all"]["personal"]
        for pull in STRENGTHS
    }
    figures["reviewers"] = len(split.held_out)
    return figures


def _best_on(
    world: PlantedWorld,
    *,
    split: LeaveLastOut,
    options: Sequence[Option],
    scorer_for: Callable[[Option], Scorer],
) -> Option:
    """The option whose scorer has the best NDCG@10 on the split (a tie: the earlier option)."""
    found = [
        _evaluate(world, split=split, scorers={"it": scorer_for(o)})["all"]["it"]["ndcg@10"]
        for o in options
    ]
    return options[found.index(max(found))]


def _factor_scorer(model: LatentFactors) -> Scorer:
    """The latent-factor model as a scorer (history = the hotels reviewed in training)."""
    return lambda t, hist, c: model.scores(history=[s.hotel_id for s in hist], candidates=c)


def _scorers(
    world: PlantedWorld,
    *,
    training: Sequence[Stay],
    strength: float = 1e9,
    popularity_weight: float = 0.0,
    factors: int = 4,
) -> dict[str, Scorer]:
    """The methods, each scoring a reviewer's candidates from the training stays alone."""
    model = fit_type_model(stays=training, profiles=world.profiles)
    counts = popularity(training)
    knn = fit_item_knn(training)
    svd = fit_latent_factors(training, factors=factors)
    rng = random.Random(3)

    def type_only(target: Stay, history: Sequence[Stay], candidates: list[int]) -> dict[int, float]:
        return score_hotels(
            weights=model.weights_for(target.traveller_type),
            profiles=world.profiles,
            hotel_ids=candidates,
        )

    def personal(target: Stay, history: Sequence[Stay], candidates: list[int]) -> dict[int, float]:
        weights = fit_reviewer_weights(
            history=history,
            traveller_type=target.traveller_type,
            type_model=model,
            profiles=world.profiles,
            strength=strength,
        )
        return score_hotels(weights=weights, profiles=world.profiles, hotel_ids=candidates)

    return {
        "random": lambda t, hist, c: {h: rng.random() for h in c},
        "popularity": lambda t, hist, c: {h: float(counts.get(h, 0)) for h in c},
        "item-kNN": lambda t, hist, c: knn.scores(history=[s.hotel_id for s in hist], candidates=c),
        "PureSVD": _factor_scorer(svd),
        "type model": type_only,
        "personal": personal,
        "type + popularity": lambda t, hist, c: blended(
            preference=type_only(t, hist, c), counts=counts, popularity_weight=popularity_weight
        ),
        "personal + popularity": lambda t, hist, c: blended(
            preference=personal(t, hist, c), counts=counts, popularity_weight=popularity_weight
        ),
    }  # fmt: skip


def _evaluate(
    world: PlantedWorld, *, split: LeaveLastOut, scorers: Mapping[str, Scorer]
) -> dict[str, Any]:
    """Mean NDCG@10 and HR@10 per method, for all reviewers and per traveller type."""
    histories: dict[int, list[Stay]] = defaultdict(list)
    for stay in split.training:
        histories[stay.reviewer_id].append(stay)
    city_hotels: dict[str, list[int]] = defaultdict(list)
    for hotel_id, profile in sorted(world.profiles.items()):
        city_hotels[profile.city].append(hotel_id)
    sums: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for reviewer_id, target in sorted(split.held_out.items()):
        history = histories[reviewer_id]
        seen = {s.hotel_id for s in history}
        candidates = [h for h in city_hotels[world.profiles[target.hotel_id].city] if h not in seen]
        for name, scorer in scorers.items():
            ranked = ranked_by_score(
                scores=scorer(target, history, candidates), tie_break_seed=reviewer_id
            )
            hit = (ndcg_at_k(ranked=ranked, relevant={target.hotel_id}, k=K),
                   recall_at_k(ranked=ranked, relevant={target.hotel_id}, k=K))  # fmt: skip
            sums["all"][name].append(hit)
            sums[target.traveller_type][name].append(hit)
    return {
        group: {
            name: {
                "ndcg@10": float(np.mean([n for n, _ in v])),
                "hr@10": float(np.mean([r for _, r in v])),
                "n": len(v),
            }
            for name, v in methods.items()
        }
        for group, methods in sums.items()
    }
