"""Alerts on a hotel's review series: rating drops, volume bursts, aspect deterioration.

Pure functions of day-bucketed numbers (no storage): `detect(series=..., as_of=...)` is called
as data arrives and sees only days up to `as_of`; `AlertLedger` keeps an alert from being raised
twice; `suspicious_duplicates_alert` turns a duplicate index's burst verdict into an alert.
Each detector's module says how it decides and why.
"""

from hotelreviews.intelligence.anomalies.alerts import Alert, AlertKey, AlertKind, AlertLedger
from hotelreviews.intelligence.anomalies.detect import DetectorParams, detect
from hotelreviews.intelligence.anomalies.duplicate_alerts import suspicious_duplicates_alert
from hotelreviews.intelligence.anomalies.series import DayBucket, HotelSeries, series_from_days

__all__ = [
    "Alert",
    "AlertKey",
    "AlertKind",
    "AlertLedger",
    "DayBucket",
    "DetectorParams",
    "HotelSeries",
    "detect",
    "series_from_days",
    "suspicious_duplicates_alert",
]
