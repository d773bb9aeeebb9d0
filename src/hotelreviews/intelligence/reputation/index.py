"""The reputation index (0–100) of one hotel: its recency-weighted mean rating, shrunk
towards its city's mean, with a confidence, and the same for each of the ten aspects.

With W the hotel's decayed review weight at `as_of` (review-equivalents: a review of that day
weighs 1, one a half-life older ½), x̄ its weighted mean position (0..1), μ the city's mean and
m the prior weight:

    index = 100 · (m·μ + W·x̄) / (m + W)

A hotel with no reviews sits at its city's mean; with W = m it is halfway to its own mean.

**Confidence** is the reliability of the estimate: the share of the spread between hotels'
estimates that reflects real differences rather than sampling noise, τ² / (τ² + σ̂²/W), with τ²
the between-hotel variance and σ̂² the hotel's within-hotel variance. The prior weight of an
empirical-Bayes average is m = σ²/τ² (σ² the city's typical within-hotel variance), so τ² is
taken as σ²/m and the confidence becomes

    confidence = W / (W + m · σ̂² / σ²)

It equals the data's share of the index, W/(W + m), for a hotel whose guests disagree as much
as the city's typical hotel's; guests who disagree more lower it, guests who agree raise it.
σ̂² is the hotel's own variance shrunk towards σ² (prior weight m degrees of freedom), so one
review — no dispersion to speak of — gets the city's. It grows with W, falls as reviews age.

**Aspects**: positive opinions' weight plus grades (each fresh grade `grade_weight` reviews at
its position), over all opinions' and grades' weight, shrunk with `aspect_weight` towards the
city's aspect mean shifted by the hotel's overall standing, β·(index/100 − μ), clamped to 0..1
(β = `aspect_follows_overall`, 1 by default; 0 is the plain city aspect mean). Aspect opinions
are sparse — most hotels have none for most aspects — and a hotel that is better than its city
overall is usually better on its aspects too, so this prior ranks better (measured in the
docs). Confidence n/(n + aspect_weight), n the aspect's evidence weight.

**Bounded movement**: adding one review (weight w ≤ 1, position x) at a fixed `as_of` not
before its date moves the index by 100·w·(x − index/100)/(m + W + w), at most
100/(m + 1) index points whatever the history (`movement_bound`): 11.1 for m = 8.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from hotelreviews.intelligence.reputation.aspects import ASPECT_KEYS
from hotelreviews.intelligence.reputation.evidence import Evidence, evidence_at
from hotelreviews.intelligence.reputation.prior import CityPrior
from hotelreviews.intelligence.reputation.state import HotelReputationState, day_number


@dataclass(frozen=True, slots=True)
class AspectScore:
    """An aspect's score (0–100), its confidence (0–1) and how many opinions mention it."""

    score: float
    confidence: float
    mentions: int


@dataclass(frozen=True, slots=True)
class Reputation:
    """A hotel's reputation at one moment."""

    index: float  # 0–100
    confidence: float  # 0–1
    reviews_effective: float  # W: decayed review weight, in fresh-review equivalents
    reviews: int  # reviews taken in, undecayed
    aspects: Mapping[str, AspectScore]


def movement_bound(*, prior: CityPrior) -> float:
    """The most one review can move the index, in index points, for any history."""
    return 100.0 / (prior.weight + 1.0)


def reputation(
    *, state: HotelReputationState, prior: CityPrior, as_of: date | datetime
) -> Reputation:
    """The hotel's index, confidence and aspect scores at `as_of`."""
    seen = evidence_at(state=state, day=day_number(as_of), grade_weight=prior.grade_weight)
    m = prior.weight
    # Clamped: a mean of decayed sums whose positions are all 1 can round to 1 + 1e-16.
    index = min(
        100.0, max(0.0, 100.0 * (m * prior.mean + seen.weight * seen.mean) / (m + seen.weight))
    )
    variance = (m * prior.variance + seen.deviation) / (m + seen.degrees_of_freedom)
    confidence = seen.weight / (seen.weight + m * variance / prior.variance)
    return Reputation(
        index=index,
        confidence=confidence,
        reviews_effective=seen.weight,
        reviews=state.count,
        aspects=_aspect_scores(state=state, seen=seen, prior=prior, index=index),
    )


def _aspect_scores(
    *, state: HotelReputationState, seen: Evidence, prior: CityPrior, index: float
) -> dict[str, AspectScore]:
    """The ten aspects' scores, each shrunk towards its prior."""
    # Hotels rated above their city overall tend to be above it on each aspect too: the
    # aspect's prior follows the hotel's overall standing (β = aspect_follows_overall).
    offset = prior.aspect_follows_overall * (index / 100.0 - prior.mean)
    a = prior.aspect_weight
    scores: dict[str, AspectScore] = {}
    for key in ASPECT_KEYS:
        aspect = seen.aspects.get(key)
        n, positive = (aspect.weight, aspect.positive) if aspect else (0.0, 0.0)
        mean = min(1.0, max(0.0, prior.aspect_means.get(key, 0.5) + offset))
        sums = state.aspects.get(key)
        scores[key] = AspectScore(
            score=100.0 * (a * mean + positive) / (a + n),
            confidence=n / (n + a),
            mentions=sums.mentions if sums else 0,
        )
    return scores
