"""A hotel's state brought to one moment: the decayed weights the index and the prior use."""

from __future__ import annotations

from dataclasses import dataclass

from hotelreviews.intelligence.reputation.state import HotelReputationState


@dataclass(frozen=True, slots=True)
class AspectEvidence:
    """An aspect's evidence in review-equivalents, and how much of it is positive."""

    weight: float
    positive: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """A hotel's decayed sums at one moment (weights in review-equivalents: a review of
    that moment weighs 1)."""

    weight: float  # W = Σw
    mean: float  # Σw·x / W, 0..1; 0 when there is no review
    deviation: float  # Σw·(x - mean)²
    degrees_of_freedom: float  # W - Σw²/W: 0 for one review, → W for many equal weights
    aspects: dict[str, AspectEvidence]


def evidence_at(*, state: HotelReputationState, day: float, grade_weight: float) -> Evidence:
    """The state's evidence seen on `day` (never before its newest review: a review dated
    later than `day` moves the moment to it, so no weight exceeds 1)."""
    if state.reference_day is None or state.weight <= 0.0:
        aspects_only = _aspects(state=state, factor=0.0, day=day, grade_weight=grade_weight)
        return Evidence(
            weight=0.0, mean=0.0, deviation=0.0, degrees_of_freedom=0.0, aspects=aspects_only
        )
    day = max(day, state.reference_day)
    factor = state.decay(days=day - state.reference_day)
    weight = state.weight * factor
    mean = state.total / state.weight
    # Σw(x - m)² = Σwx² - W·m²; rounding can take it a hair below 0
    deviation = max(0.0, (state.squares - state.total * mean) * factor)
    degrees = max(0.0, weight - state.weight_squares * factor * factor / weight)
    return Evidence(
        weight=weight,
        mean=mean,
        deviation=deviation,
        degrees_of_freedom=degrees,
        aspects=_aspects(state=state, factor=factor, day=day, grade_weight=grade_weight),
    )


def _aspects(
    *, state: HotelReputationState, factor: float, day: float, grade_weight: float
) -> dict[str, AspectEvidence]:
    """Opinions' decayed weights plus providers' grades, each grade worth `grade_weight`
    reviews when fresh and decaying like a review of its snapshot's date."""
    weights: dict[str, float] = {}
    positives: dict[str, float] = {}
    for key, sums in state.aspects.items():
        weights[key] = (sums.positive + sums.negative) * factor
        positives[key] = sums.positive * factor
    for grade in state.grades.values():
        w = grade_weight * min(1.0, state.decay(days=day - grade.day))
        weights[grade.aspect] = weights.get(grade.aspect, 0.0) + w
        positives[grade.aspect] = positives.get(grade.aspect, 0.0) + w * grade.position
    return {key: AspectEvidence(weight=weights[key], positive=positives[key]) for key in weights}
