"""The online entry point: every detector on a hotel's series as it stood on `as_of`.

The series is cut at `as_of` before any detector sees it, so a call can never use later data
however the detectors are written; replaying a history day by day gives exactly the alerts an
online run would have raised on each day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hotelreviews.intelligence.anomalies.alerts import Alert
from hotelreviews.intelligence.anomalies.aspect_deterioration import (
    AspectDeteriorationParams,
    detect_aspect_deterioration,
)
from hotelreviews.intelligence.anomalies.rating_drop import RatingDropParams, detect_rating_drop
from hotelreviews.intelligence.anomalies.series import HotelSeries
from hotelreviews.intelligence.anomalies.volume_burst import VolumeBurstParams, detect_volume_burst


@dataclass(frozen=True, slots=True)
class DetectorParams:
    """The knobs of all three series detectors."""

    rating_drop: RatingDropParams = field(default_factory=RatingDropParams)
    volume_burst: VolumeBurstParams = field(default_factory=VolumeBurstParams)
    aspect_deterioration: AspectDeteriorationParams = field(
        default_factory=AspectDeteriorationParams
    )


def detect(
    *, series: HotelSeries, as_of: date, params: DetectorParams = DetectorParams()
) -> tuple[Alert, ...]:
    """The alerts standing on `as_of`, from data on or before `as_of` only."""
    visible = series.up_to(as_of)
    if visible.days == 0:
        return ()
    found: list[Alert] = []
    drop = detect_rating_drop(series=visible, as_of=as_of, params=params.rating_drop)
    if drop is not None:
        found.append(drop)
    burst = detect_volume_burst(series=visible, as_of=as_of, params=params.volume_burst)
    if burst is not None:
        found.append(burst)
    found.extend(
        detect_aspect_deterioration(series=visible, as_of=as_of, params=params.aspect_deterioration)
    )
    return tuple(found)
