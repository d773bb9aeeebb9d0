"""Volume bursts: days whose review count is far above the hotel's own recent baseline.

The baseline is the median of the trailing four weeks (ending a few days before the day judged,
so a burst of two or three days does not raise its own baseline), and the spread is the MAD,
floored at the Poisson deviation sqrt(median): review counts are counts, and a quiet hotel's
MAD of zero would otherwise make any busy Saturday a burst. A day is a burst when it clears
all of: an absolute minimum, a multiple of the baseline, and `min_z` robust deviations. Whether
the extra reviews' ratings are extreme (mostly very low: review bombing; mostly very high:
bought praise) is estimated by subtracting the baseline's expected share of the rating sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from hotelreviews.intelligence.anomalies.alerts import Alert
from hotelreviews.intelligence.anomalies.series import HotelSeries

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class VolumeBurstParams:
    """Knobs of the volume-burst detector."""

    baseline_days: int = 28
    baseline_gap_days: int = 3
    scan_days: int = 7
    min_count: int = 10
    min_ratio: float = 3.0
    min_z: float = 6.0
    low_rating: float = 0.25
    high_rating: float = 0.9


@dataclass(frozen=True, slots=True)
class _Baseline:
    median: float
    sigma: float
    mean_rating: float


def _baseline(*, series: HotelSeries, index: int, params: VolumeBurstParams) -> _Baseline | None:
    """The trailing baseline for day `index`, or None without enough history."""
    end = index - params.baseline_gap_days
    start = end - params.baseline_days
    if start < 0:
        return None
    window = series.counts[start:end]
    median = float(np.median(window))
    mad = float(np.median(np.abs(window - median)))
    sigma = max(1.4826 * mad, math.sqrt(max(median, 1.0)))
    total = float(window.sum())
    mean_rating = float(series.rating_sums[start:end].sum() / total) if total else 0.5
    return _Baseline(median, sigma, mean_rating)


def _is_burst(*, count: float, baseline: _Baseline, params: VolumeBurstParams) -> bool:
    return (
        count >= params.min_count
        and count >= params.min_ratio * max(baseline.median, 1.0)
        and count >= baseline.median + params.min_z * baseline.sigma
    )


def burst_day_mask(
    *, series: HotelSeries, params: VolumeBurstParams = VolumeBurstParams()
) -> BoolArray:
    """Which days pass the burst test against their own trailing baseline (vectorised)."""
    counts = series.counts
    offset = params.baseline_days + params.baseline_gap_days
    mask = np.zeros(counts.shape[0], dtype=bool)
    # No day as busy as `min_count` is no burst, whatever its baseline: most hotels on most
    # days, and the rolling medians below cost more than the whole rest of the detection.
    if counts.shape[0] <= offset or counts[offset:].max() < params.min_count:
        return mask
    windows = np.lib.stride_tricks.sliding_window_view(counts, params.baseline_days)
    # windows[j] covers days j .. j+baseline_days-1: the baseline of day j + offset.
    windows = windows[: counts.shape[0] - offset]
    median = np.median(windows, axis=1)
    mad = np.median(np.abs(windows - median[:, None]), axis=1)
    sigma = np.maximum(1.4826 * mad, np.sqrt(np.maximum(median, 1.0)))
    judged = counts[offset:]
    mask[offset:] = (
        (judged >= params.min_count)
        & (judged >= params.min_ratio * np.maximum(median, 1.0))
        & (judged >= median + params.min_z * sigma)
    )
    return mask


def detect_volume_burst(
    *, series: HotelSeries, as_of: date, params: VolumeBurstParams = VolumeBurstParams()
) -> Alert | None:
    """An alert for the latest burst in the last `scan_days` days up to `as_of`, else None."""
    last = min(series.index_of(as_of), series.days - 1)
    first_scanned = max(0, last - params.scan_days + 1)
    if last < first_scanned or series.counts[first_scanned : last + 1].max() < params.min_count:
        return None  # no day busy enough to be a burst: no baseline to compute
    burst_days: list[int] = []
    baseline: _Baseline | None = None
    for index in range(first_scanned, last + 1):
        # Each day of a run is judged against the run's first day's baseline: otherwise the
        # run's own first days would enter the baseline of its later days.
        reference = burst_days[0] if burst_days and burst_days[-1] == index - 1 else index
        day_baseline = _baseline(series=series, index=reference, params=params)
        if day_baseline is None:
            continue
        if _is_burst(count=float(series.counts[index]), baseline=day_baseline, params=params):
            if not (burst_days and burst_days[-1] == index - 1):
                burst_days = []
                baseline = day_baseline
            burst_days.append(index)
    if not burst_days or baseline is None:
        return None
    first, end = burst_days[0], burst_days[-1] + 1
    count = float(series.counts[first:end].sum())
    expected = baseline.median * (end - first)
    extra = max(count - expected, 1.0)
    extra_mean = (
        float(series.rating_sums[first:end].sum()) - expected * baseline.mean_rating
    ) / extra
    extra_mean = min(1.0, max(0.0, extra_mean))
    ratings = (
        "very low"
        if extra_mean <= params.low_rating
        else "very high"
        if extra_mean >= params.high_rating
        else "not extreme"
    )
    onset = series.day_at(first)
    days = end - first
    span = f"on {onset:%-d %b}" if days == 1 else f"over {days} days from {onset:%-d %b}"
    advice = {
        "very low": "possible review bombing: check the reviewers and texts before they count",
        "very high": "possible bought praise: check the reviewers and texts",
        "not extreme": "check whether an event or a campaign explains it",
    }[ratings]
    return Alert(
        hotel_id=series.hotel_id,
        kind="volume_burst",
        aspect=None,
        onset=onset,
        detected_at=as_of,
        severity=round(count / max(expected, 1.0), 2),
        message=(
            f"{int(count)} reviews {span} against a usual {baseline.median:g} a day; "
            f"the extra reviews' ratings are {ratings} (about {extra_mean:.0%}): {advice}."
        ),
        evidence={
            "reviews": int(count),
            "days": days,
            "baseline_per_day": baseline.median,
            "extra_mean_rating": round(extra_mean, 3),
            "ratings": ratings,
        },
    )
