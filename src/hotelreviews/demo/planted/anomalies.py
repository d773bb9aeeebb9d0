"""Planted anomalies: seeded daily series whose right answers are known.

`planted_series`, deterministic for a seed, gives hotels' daily series — many clean hotels
(weekly and yearly seasonality, slow drift, Poisson counts) and hotels with one planted rating
drop, volume burst or aspect deterioration at a known onset. The evaluation
(bench/intelligence_anomalies.py) scores the detectors against them; the planted duplicates
are in planted/duplicates.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

from hotelreviews.intelligence.anomalies import HotelSeries
from hotelreviews.intelligence.keys import ASPECTS

SeriesKind = Literal["rating_drop", "volume_burst", "aspect_deterioration"]
_WEEKDAY_FACTOR = np.array([0.9, 0.85, 0.9, 1.0, 1.2, 1.3, 1.1])


@dataclass(frozen=True, slots=True)
class PlantedAnomaly:
    """One planted problem: which hotel, what kind, which aspect, from which day."""

    hotel_id: str
    kind: SeriesKind
    aspect: str | None
    onset: date


@dataclass(frozen=True, slots=True)
class PlantedSeries:
    """Hotels' series with the planted problems and the hotels left clean."""

    series: tuple[HotelSeries, ...]
    anomalies: tuple[PlantedAnomaly, ...]
    clean_hotels: tuple[str, ...]
    start: date
    days: int


def _hotel_series(
    *, hotel_id: str, rng: np.random.Generator, start: date, days: int,
    plant: SeriesKind | None, onset: int,
) -> tuple[HotelSeries, str | None]:  # fmt: skip
    """One hotel's series; the planted aspect (if any) is returned beside it."""
    t = np.arange(days)
    weekday = np.array([(start + timedelta(days=int(i))).weekday() for i in range(7)])
    rate = math.exp(rng.uniform(math.log(1.5), math.log(10.0)))
    season = 1.0 + 0.3 * np.sin(2 * np.pi * t / 365 + rng.uniform(0, 2 * np.pi))
    expected = rate * _WEEKDAY_FACTOR[weekday[t % 7]] * season
    counts = rng.poisson(expected).astype(np.float64)
    mean = rng.uniform(0.55, 0.9) + 0.02 * np.sin(2 * np.pi * t / 180 + rng.uniform(0, 6.3))
    if plant == "rating_drop":
        mean = np.where(t >= onset, mean - rng.uniform(0.12, 0.25), mean)
    daily_mean = np.clip(rng.normal(mean, 0.22 / np.sqrt(np.maximum(counts, 1))), 0.0, 1.0)
    rating_sums = counts * daily_mean
    planted_aspect = None
    if plant == "volume_burst":
        length = int(rng.integers(1, 4))
        extra = np.zeros(days)
        extra[onset : onset + length] = max(12.0, rate * rng.uniform(4, 10))
        extra = np.round(extra)
        extreme = 0.05 if rng.random() < 0.7 else 0.95
        counts = counts + extra
        rating_sums = rating_sums + extra * extreme
    positive: dict[str, np.ndarray] = {}
    negative: dict[str, np.ndarray] = {}
    if plant == "aspect_deterioration":
        planted_aspect = ASPECTS[int(rng.integers(len(ASPECTS)))]
    for aspect in ASPECTS:
        mention = rng.uniform(0.05, 0.35)
        phase = rng.uniform(0, 2 * np.pi)
        share = rng.uniform(0.08, 0.3) * (1 + 0.15 * np.sin(2 * np.pi * t / 365 + phase))
        if aspect == planted_aspect:
            mention = max(mention, 0.15)
            mention_rate = np.where(t >= onset, mention * 1.3, mention)
            share = np.where(t >= onset, np.minimum(0.85, share * rng.uniform(2.5, 4.0)), share)
        else:
            mention_rate = np.full(days, mention)
        opinions = rng.poisson(counts * mention_rate)
        negative[aspect] = rng.binomial(opinions, share).astype(np.float64)
        positive[aspect] = (opinions - negative[aspect]).astype(np.float64)
    series = HotelSeries(hotel_id, start, counts, rating_sums, positive, negative)
    return series, planted_aspect


def planted_series(
    *, seed: int = 16, clean: int = 120, per_kind: int = 30, days: int = 365,
    start: date = date(2025, 1, 6),
) -> PlantedSeries:  # fmt: skip
    """`clean` clean hotels and `per_kind` hotels with each kind of planted problem."""
    rng = np.random.default_rng(seed)
    kinds: list[SeriesKind | None] = [None] * clean
    for kind in ("rating_drop", "volume_burst", "aspect_deterioration"):
        kinds += [kind] * per_kind
    all_series, anomalies, clean_ids = [], [], []
    for number, kind in enumerate(kinds):
        hotel_id = f"h{number:04d}"
        onset = int(rng.integers(days // 3, days - 35))
        series, aspect = _hotel_series(
            hotel_id=hotel_id, rng=rng, start=start, days=days, plant=kind, onset=onset
        )
        all_series.append(series)
        if kind is None:
            clean_ids.append(hotel_id)
        else:
            onset_day = start + timedelta(days=onset)
            anomalies.append(PlantedAnomaly(hotel_id, kind, aspect, onset_day))
    return PlantedSeries(tuple(all_series), tuple(anomalies), tuple(clean_ids), start, days)


# --- Reviews ----------------------------------------------------------------------------------
