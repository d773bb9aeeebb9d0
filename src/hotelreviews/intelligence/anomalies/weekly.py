"""Weekly buckets (Monday-aligned) of a series' reviews and rating sums.

Weeks, not days, for rating drops: a hotel with three reviews a day has a daily mean too noisy to
segment, and Monday alignment keeps a week's contents (hence a change point's week) the same
whichever day the detector runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from hotelreviews.intelligence.anomalies.series import FloatArray, HotelSeries, week_start


@dataclass(frozen=True, slots=True, eq=False)
class Weeks:
    """Review counts and rating sums per week; `mondays[i]` starts week i."""

    mondays: tuple[date, ...]
    counts: FloatArray
    rating_sums: FloatArray


def weekly(*, series: HotelSeries, as_of: date, weeks: int) -> Weeks:
    """The last `weeks` weeks up to `as_of` (the last one partial), clipped to the series."""
    first_monday = week_start(as_of) - timedelta(weeks=weeks - 1)
    first = max(0, series.index_of(first_monday))
    last = min(series.days, series.index_of(as_of) + 1)
    if last <= first:
        return Weeks((), np.zeros(0), np.zeros(0))
    offset = series.index_of(week_start(series.day_at(first)))
    slots = (np.arange(first, last) - offset) // 7
    length = int(slots[-1]) + 1
    counts = np.bincount(slots, weights=series.counts[first:last], minlength=length)
    sums = np.bincount(slots, weights=series.rating_sums[first:last], minlength=length)
    monday0 = series.day_at(offset)
    mondays = tuple(monday0 + timedelta(weeks=i) for i in range(length))
    return Weeks(mondays, counts.astype(np.float64), sums.astype(np.float64))
