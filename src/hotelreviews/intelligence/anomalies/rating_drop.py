"""Rating drops: a change point (ruptures PELT) in the weekly mean rating, then a margin test.

PELT segments the weekly means with a review-weighted squared-error cost, so a week of forty
reviews pulls harder than a week of two (its mean is that much less noisy). The penalty is
scaled by the per-review rating variance, estimated from how much neighbouring weeks differ
(trimmed, so the drop itself does not count as noise): one setting fits a quiet and a busy
hotel alike. ruptures only says *where*; whether to alert is decided on the reviews either side
of the last change point: the mean after must be lower by a margin a manager would care about
(`min_drop`), on enough reviews both sides, and by more than noise (`min_z`, a two-sample z on
the estimated per-review deviation). Only a recent change point counts, with the segment after
it still running: the drop is current. Burst days are left out (a burst is its own alert).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import ruptures  # type: ignore[import-untyped]

from hotelreviews.intelligence.anomalies.alerts import Alert
from hotelreviews.intelligence.anomalies.series import FloatArray, HotelSeries
from hotelreviews.intelligence.anomalies.volume_burst import burst_day_mask
from hotelreviews.intelligence.anomalies.weekly import weekly

# Mean of a chi-square with one degree of freedom below its 90th percentile: turns the trimmed
# mean of squared z-like terms into a variance. Trimmed, not the median: the median of thirty
# terms is off by ~40% too often, and an underestimated variance is a false alert.
_CHI2_1_TRIM = 0.9
_CHI2_1_TRIMMED_MEAN = 0.6230


@dataclass(frozen=True, slots=True)
class RatingDropParams:
    """Knobs of the rating-drop detector (ratings are normalised to 0..1)."""

    lookback_weeks: int = 30
    max_age_weeks: int = 8
    min_drop: float = 0.08
    min_z: float = 5.5
    min_reviews_before: int = 30
    min_reviews_after: int = 20
    penalty_scale: float = 4.0


class WeightedMeanCost(ruptures.base.BaseCost):  # type: ignore[misc]
    """Squared error of a segment's weekly means around their review-weighted mean."""

    model = "weighted_l2"
    min_size = 1

    def fit(self, signal: FloatArray) -> WeightedMeanCost:
        """Cumulative sums of weight, weight*x and weight*x^2 for O(1) segment costs."""
        self.signal = signal  # ruptures reads the sample count from it
        means, weights = signal[:, 0], signal[:, 1]
        zero = np.zeros(1)
        self._w = np.concatenate([zero, np.cumsum(weights)])
        self._wx = np.concatenate([zero, np.cumsum(weights * means)])
        self._wxx = np.concatenate([zero, np.cumsum(weights * means * means)])
        return self

    def error(self, start: int, end: int) -> float:
        """The weighted sum of squares of segment [start, end)."""
        w = self._w[end] - self._w[start]
        if w <= 0:
            return 0.0
        wx = self._wx[end] - self._wx[start]
        return float(self._wxx[end] - self._wxx[start] - wx * wx / w)


def review_variance(*, means: FloatArray, counts: FloatArray) -> float:
    """Per-review rating variance from how much neighbouring weekly means differ."""
    if means.shape[0] < 3:
        return 0.04
    terms = np.sort(np.diff(means) ** 2 / (1.0 / counts[1:] + 1.0 / counts[:-1]))
    # Dropping the largest tenth keeps a real jump (a drop!) from inflating the noise estimate.
    kept = terms[: max(1, int(terms.shape[0] * _CHI2_1_TRIM))]
    return max(float(kept.mean()) / _CHI2_1_TRIMMED_MEAN, 1e-4)


def _without_bursts(series: HotelSeries) -> HotelSeries:
    """The series with burst days emptied: a burst is its own alert, and its ratings would
    otherwise read as a drop of the hotel's ordinary reviewers' ratings."""
    keep = ~burst_day_mask(series=series)
    if keep.all():
        return series
    return replace(series, counts=series.counts * keep, rating_sums=series.rating_sums * keep)


def detect_rating_drop(
    *, series: HotelSeries, as_of: date, params: RatingDropParams = RatingDropParams()
) -> Alert | None:
    """An alert if the weekly mean rating fell recently and clearly; else None."""
    weeks = weekly(series=_without_bursts(series), as_of=as_of, weeks=params.lookback_weeks)
    reviewed = np.flatnonzero(weeks.counts > 0)
    if reviewed.shape[0] < 6 or weeks.counts.sum() < params.min_reviews_before:
        return None
    # The reviews after an onset young enough to count are at most those of the last
    # `max_age_weeks`: too few there, and no change point PELT could find would be alerted on.
    recent = bisect.bisect_left(weeks.mondays, as_of - timedelta(weeks=params.max_age_weeks))
    if weeks.counts[recent:].sum() < params.min_reviews_after:
        return None
    counts = weeks.counts[reviewed]
    means = weeks.rating_sums[reviewed] / counts
    variance = review_variance(means=means, counts=counts)
    signal = np.column_stack([means, counts])
    penalty = params.penalty_scale * variance * math.log(signal.shape[0])
    algo = ruptures.Pelt(custom_cost=WeightedMeanCost(), min_size=1, jump=1).fit(signal)
    breakpoints = [0, *algo.predict(pen=penalty)]
    if len(breakpoints) < 3:
        return None
    before_start, change, _ = breakpoints[-3], breakpoints[-2], breakpoints[-1]
    onset = weeks.mondays[int(reviewed[change])]
    if (as_of - onset).days > params.max_age_weeks * 7:
        return None
    n_before, n_after = counts[before_start:change].sum(), counts[change:].sum()
    if n_before < params.min_reviews_before or n_after < params.min_reviews_after:
        return None
    mean_before = float(signal[before_start:change, 0] @ counts[before_start:change] / n_before)
    mean_after = float(signal[change:, 0] @ counts[change:] / n_after)
    drop = mean_before - mean_after
    z = drop / math.sqrt(variance * (1.0 / n_before + 1.0 / n_after))
    if drop < params.min_drop or z < params.min_z:
        return None
    return Alert(
        hotel_id=series.hotel_id,
        kind="rating_drop",
        aspect=None,
        onset=onset,
        detected_at=as_of,
        severity=round(drop, 4),
        message=(
            f"Average rating fell from {mean_before:.0%} to {mean_after:.0%} since "
            f"{onset:%-d %b} ({int(n_after)} reviews since, {int(n_before)} before): "
            "read the recent reviews for what changed."
        ),
        evidence={
            "mean_before": round(mean_before, 4),
            "mean_after": round(mean_after, 4),
            "reviews_before": int(n_before),
            "reviews_after": int(n_after),
            "z": round(z, 2),
        },
    )
