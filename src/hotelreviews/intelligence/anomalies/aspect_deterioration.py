"""Aspect deterioration: the negative share of an aspect's opinions rose clearly and recently.

For each aspect, the onset is the Monday (within the last `max_recent_weeks`) that best splits
the aspect's opinions into two binomial rates (maximum log-likelihood ratio): a change point
on counts, which is what the data is, and stable from one day's run to the next because it
only moves to another Monday when the evidence does. The alert then needs, after the onset:
enough opinions and negative ones, a negative share at least `min_ratio` times the baseline's,
and a one-sided Fisher exact p-value below `max_p` (two-sample, since the baseline share is
itself an estimate; exact, since the normal approximation overstated small counts and raised
false alerts in the evaluation).
The ratio uses the baseline share smoothed by one pseudo-count each way, so a spotless
baseline does not make a handful of complaints an infinite rise. `max_p` is small because ten
aspects and up to eight onsets are tested every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from hotelreviews.intelligence.anomalies.alerts import Alert
from hotelreviews.intelligence.anomalies.rates import rise_p_value, split_log_likelihood_ratio
from hotelreviews.intelligence.anomalies.series import HotelSeries, week_start

_SPOKEN_MULTIPLES = {2: "doubled", 3: "tripled", 4: "quadrupled"}
_SPOKEN_WEEKS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
}


@dataclass(frozen=True, slots=True)
class AspectDeteriorationParams:
    """Knobs of the aspect-deterioration detector."""

    baseline_weeks: int = 20
    min_recent_days: int = 10
    max_recent_weeks: int = 8
    min_opinions_recent: int = 15
    min_negative_recent: int = 8
    min_opinions_baseline: int = 40
    min_ratio: float = 1.8
    max_p: float = 1e-5


def _describe_rise(ratio: float) -> str:
    rounded = round(ratio)
    if abs(ratio - rounded) <= 0.25 and rounded in _SPOKEN_MULTIPLES:
        return _SPOKEN_MULTIPLES[rounded]
    return f"rose {ratio:.1f}-fold"


def _describe_weeks(days: int) -> str:
    weeks = max(1, round(days / 7))
    return f"{_SPOKEN_WEEKS.get(weeks, str(weeks))} week{'s' if weeks > 1 else ''}"


def _candidate_onsets(
    *, series: HotelSeries, as_of: date, params: AspectDeteriorationParams
) -> list[int]:
    latest = series.index_of(as_of - timedelta(days=params.min_recent_days - 1))
    monday = week_start(series.day_at(latest))
    earliest = series.index_of(week_start(as_of) - timedelta(weeks=params.max_recent_weeks))
    candidates = []
    index = series.index_of(monday)
    while index >= max(earliest, 1):
        candidates.append(index)
        index -= 7
    return candidates


def _check_aspect(
    *, series: HotelSeries, aspect: str, as_of: date, params: AspectDeteriorationParams
) -> Alert | None:
    end = min(series.days, series.index_of(as_of) + 1)
    # Cumulative sums make every candidate split's counts two subtractions.
    # An aspect with only negative (or only positive) opinions may lack the other array.
    none = np.zeros(series.days)
    negative = np.concatenate([[0.0], np.cumsum(series.aspect_negative.get(aspect, none)[:end])])
    positive = np.cumsum(series.aspect_positive.get(aspect, none)[:end])
    total = negative + np.concatenate([[0.0], positive])

    def counts(start: int, stop: int) -> tuple[float, float]:
        return float(negative[stop] - negative[start]), float(total[stop] - total[start])

    onsets = _candidate_onsets(series=series, as_of=as_of, params=params)
    # After any candidate onset there are at most the opinions since the earliest: too few
    # (or too few negative) there, and no split could be alerted on.
    if not onsets:
        return None
    negative_since, all_since = counts(min(onsets), end)
    if all_since < params.min_opinions_recent or negative_since < params.min_negative_recent:
        return None
    best: tuple[float, int] | None = None
    for onset in onsets:
        before = counts(max(0, onset - params.baseline_weeks * 7), onset)
        after = counts(onset, end)
        if after[0] / max(after[1], 1.0) <= before[0] / max(before[1], 1.0):
            continue
        score = split_log_likelihood_ratio(before=before, after=after)
        if best is None or score > best[0]:
            best = (score, onset)
    if best is None:
        return None
    onset = best[1]
    neg_before, all_before = map(int, counts(max(0, onset - params.baseline_weeks * 7), onset))
    neg_after, all_after = map(int, counts(onset, end))
    if (
        all_after < params.min_opinions_recent
        or neg_after < params.min_negative_recent
        or all_before < params.min_opinions_baseline
    ):
        return None
    baseline_share = (neg_before + 1) / (all_before + 2)
    recent_share = neg_after / all_after
    ratio = recent_share / baseline_share
    p_value = rise_p_value(before=(neg_before, all_before), after=(neg_after, all_after))
    if ratio < params.min_ratio or p_value > params.max_p:
        return None
    onset_day = series.day_at(onset)
    elapsed = (as_of - onset_day).days + 1
    return Alert(
        hotel_id=series.hotel_id,
        kind="aspect_deterioration",
        aspect=aspect,
        onset=onset_day,
        detected_at=as_of,
        severity=round(ratio, 2),
        message=(
            f"{aspect.capitalize()} complaints {_describe_rise(ratio)} "
            f"in {_describe_weeks(elapsed)}: "
            f"{neg_after} of {all_after} opinions negative since {onset_day:%-d %b}, against "
            f"{neg_before} of {all_before} before. Look into {aspect} now."
        ),
        evidence={
            "negative_after": neg_after,
            "opinions_after": all_after,
            "negative_before": neg_before,
            "opinions_before": all_before,
            "share_ratio": round(ratio, 3),
            "p_value": float(f"{p_value:.3g}"),
        },
    )


def detect_aspect_deterioration(
    *,
    series: HotelSeries,
    as_of: date,
    params: AspectDeteriorationParams = AspectDeteriorationParams(),
) -> tuple[Alert, ...]:
    """One alert per aspect whose negative share rose clearly since a recent onset."""
    alerts = []
    for aspect in sorted(set(series.aspect_negative) | set(series.aspect_positive)):
        alert = _check_aspect(series=series, aspect=aspect, as_of=as_of, params=params)
        if alert is not None:
            alerts.append(alert)
    return tuple(alerts)
