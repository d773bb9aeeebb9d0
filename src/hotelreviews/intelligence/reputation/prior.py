"""The city's prior: what a hotel with no reviews is assumed to be, and how strongly.

A hotel's index is a Bayesian average that starts at its city's mean and moves towards its own
reviews as they accumulate; the prior weight `weight` says how many fresh reviews the city's
mean is worth. It also sets how far one review can move the index (`index.movement_bound`).

The city mean is the average of its hotels' own (unshrunk) means, each hotel weighted by its
reliability W/(W + weight), so hotels with a review or two do not set the city's standard and a
large hotel counts as one hotel, not as thousands of reviews. The city's dispersion is its
hotels' pooled within-hotel variance (Σ deviations / Σ degrees of freedom). Per-aspect means
are pooled alike from opinions and grades. A built-in default (`DEFAULT_PRIOR`, typical OTA
figures: 8.0 of 10 on a 1–10 scale ≈ position 0.78) joins every city as one more hotel, so
a city of one or two hotels still has a usable prior and an empty city gets the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from hotelreviews.intelligence.reputation.aspects import ASPECT_KEYS
from hotelreviews.intelligence.reputation.evidence import evidence_at
from hotelreviews.intelligence.reputation.state import HotelReputationState, day_number

DEFAULT_PRIOR_WEIGHT = 8.0
DEFAULT_ASPECT_PRIOR_WEIGHT = 5.0
DEFAULT_GRADE_WEIGHT = 5.0
_DEFAULT_MEAN = 0.78
_DEFAULT_VARIANCE = 0.04  # a spread of ±0.2 of the range between one guest and the next
_DEFAULT_ASPECT_MEAN = 0.7  # share of positive opinions


@dataclass(frozen=True, slots=True)
class CityPrior:
    """A city's mean position (0..1), within-hotel variance and aspect means, with the
    weights (in review-equivalents) that scoring gives them."""

    mean: float = _DEFAULT_MEAN
    variance: float = _DEFAULT_VARIANCE
    aspect_means: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict.fromkeys(ASPECT_KEYS, _DEFAULT_ASPECT_MEAN))
    )
    weight: float = DEFAULT_PRIOR_WEIGHT
    aspect_weight: float = DEFAULT_ASPECT_PRIOR_WEIGHT
    grade_weight: float = DEFAULT_GRADE_WEIGHT
    aspect_follows_overall: float = 1.0  # β: how far aspect priors follow the hotel's index

    def __post_init__(self) -> None:
        if not (self.weight > 0 and self.aspect_weight > 0 and self.grade_weight >= 0):
            raise ValueError("prior weights must be positive (grade weight may be 0)")
        if not self.variance > 0:
            raise ValueError(f"variance must be positive, not {self.variance}")

    @classmethod
    def build(
        cls,
        *,
        states: Iterable[HotelReputationState],
        as_of: date | datetime,
        weight: float = DEFAULT_PRIOR_WEIGHT,
        aspect_weight: float = DEFAULT_ASPECT_PRIOR_WEIGHT,
        grade_weight: float = DEFAULT_GRADE_WEIGHT,
        aspect_follows_overall: float = 1.0,
        default: CityPrior | None = None,
    ) -> CityPrior:
        """The prior of a city from its hotels' states, seen at `as_of`."""
        base = default or DEFAULT_PRIOR
        day = day_number(as_of)
        # The default joins as one hotel of full reliability.
        mean_sum, mean_weight = base.mean, 1.0
        deviation, degrees = base.variance, 1.0
        aspect_sums = {key: base.aspect_means.get(key, _DEFAULT_ASPECT_MEAN) for key in ASPECT_KEYS}
        aspect_weights = dict.fromkeys(ASPECT_KEYS, 1.0)
        for state in states:
            seen = evidence_at(state=state, day=day, grade_weight=grade_weight)
            if seen.weight > 0:
                reliability = seen.weight / (seen.weight + weight)
                mean_sum += reliability * seen.mean
                mean_weight += reliability
                deviation += seen.deviation
                degrees += seen.degrees_of_freedom
            for key, aspect in seen.aspects.items():
                if aspect.weight > 0:
                    reliability = aspect.weight / (aspect.weight + aspect_weight)
                    aspect_sums[key] += reliability * aspect.positive / aspect.weight
                    aspect_weights[key] += reliability
        return cls(
            mean=mean_sum / mean_weight,
            variance=max(deviation / degrees, 1e-6),
            aspect_means=MappingProxyType(
                {key: aspect_sums[key] / aspect_weights[key] for key in ASPECT_KEYS}
            ),
            weight=weight,
            aspect_weight=aspect_weight,
            grade_weight=grade_weight,
            aspect_follows_overall=aspect_follows_overall,
        )


DEFAULT_PRIOR = CityPrior()


def estimate_prior_weight(
    *,
    states_by_city: Mapping[str, Iterable[HotelReputationState]],
    as_of: date | datetime,
    lowest: float = 1.0,
    highest: float = 50.0,
) -> float:
    """The empirical-Bayes prior weight σ²/τ² of a market, clamped to lowest..highest.

    σ² is the pooled within-hotel variance; τ² the between-hotel variance of true means,
    estimated by moments: the spread of hotels' means around their city's mean less what
    sampling alone would give (σ² · Σw²/(Σw)² per hotel). Offered to calibrate the weight on
    a market's history, not used by default: a weight that follows the data also moves the
    bound on one review's effect.
    """
    day = day_number(as_of)
    deviation = degrees = 0.0
    by_city: list[list[tuple[float, float]]] = []  # per city: (hotel mean, Σw²/(Σw)²)
    for states in states_by_city.values():
        hotels = []
        for state in states:
            seen = evidence_at(state=state, day=day, grade_weight=0.0)
            if seen.weight <= 0:
                continue
            deviation += seen.deviation
            degrees += seen.degrees_of_freedom
            concentration = 1.0 - seen.degrees_of_freedom / seen.weight  # Σw²/(Σw)²
            hotels.append((seen.mean, concentration))
        if len(hotels) >= 2:
            by_city.append(hotels)
    hotels_total = sum(len(h) for h in by_city)
    if degrees <= 0 or hotels_total <= len(by_city):
        return highest
    within = deviation / degrees
    spread = sampling = 0.0
    for hotels in by_city:
        n = len(hotels)
        city_mean = sum(mean for mean, _ in hotels) / n
        spread += sum((mean - city_mean) ** 2 for mean, _ in hotels)
        # E[Σ(x̄ - city mean)²] = (n - 1)·τ² + (n - 1)/n · Σ sampling variances
        sampling += (n - 1) / n * sum(within * concentration for _, concentration in hotels)
    between = (spread - sampling) / (hotels_total - len(by_city))
    if between <= within / highest:
        return highest
    return max(lowest, min(highest, within / between))
