"""Offline evaluation helpers: leave-last-out split, ranking by score, NDCG@k and recall@k.

Leave-last-out rather than a random split because a recommender is asked about the NEXT stay:
hiding a random stay would let the model train on stays made after the one it predicts.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from random import Random

from hotelreviews.intelligence.recommend.records import Stay


@dataclass(frozen=True, slots=True)
class LeaveLastOut:
    """Training stays and each reviewer's hidden last stay (reviewers with 2+ stays only)."""

    training: tuple[Stay, ...]
    held_out: Mapping[int, Stay]  # reviewer id -> their last stay


def leave_last_out(stays: Iterable[Stay]) -> LeaveLastOut:
    """Hide each reviewer's latest stay (by date, then by input order); keep lone stays."""
    by_reviewer: dict[int, list[Stay]] = {}
    for stay in stays:
        by_reviewer.setdefault(stay.reviewer_id, []).append(stay)
    training: list[Stay] = []
    held_out: dict[int, Stay] = {}
    for reviewer_id, history in by_reviewer.items():
        # sorted() is stable: same-day stays keep their input order, the later one is last.
        ordered = sorted(history, key=lambda s: s.stayed_on)
        if len(ordered) >= 2:
            held_out[reviewer_id] = ordered[-1]
            ordered = ordered[:-1]
        training.extend(ordered)
    return LeaveLastOut(training=tuple(training), held_out=held_out)


def ranked_by_score(*, scores: Mapping[int, float], tie_break_seed: int) -> list[int]:
    """Hotel ids by descending score; ties in a seeded random order, so a method that cannot
    tell hotels apart scores as chance, not as the lucky (or unlucky) id order."""
    shuffle = Random(tie_break_seed)
    keys = {h: shuffle.random() for h in sorted(scores)}
    return sorted(scores, key=lambda h: (-scores[h], keys[h]))


def ndcg_at_k(*, ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Normalised discounted cumulative gain of the top k with binary relevance."""
    if not relevant:
        return 0.0
    gain = sum(1.0 / math.log2(pos + 2) for pos, h in enumerate(ranked[:k]) if h in relevant)
    ideal = sum(1.0 / math.log2(pos + 2) for pos in range(min(len(relevant), k)))
    return gain / ideal


def recall_at_k(*, ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Share of the relevant hotels found in the top k (with one relevant: the hit rate)."""
    if not relevant:
        return 0.0
    return sum(1 for h in ranked[:k] if h in relevant) / len(relevant)
