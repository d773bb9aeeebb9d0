"""The alert record, its stable key, and the ledger that stops an alert being raised twice.

An online detector is evaluated again every day on a series that grew by one day; the same
problem is found again and again, and its estimated onset may move by a few days as evidence
accumulates. The key is therefore (hotel, kind, aspect, onset week), and the ledger also treats
an alert as a repeat when one of the same hotel, kind and aspect was admitted with an onset
within `tolerance_days` — a moving estimate is the same problem, not a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from hotelreviews.intelligence.anomalies.series import week_start

AlertKind = Literal["rating_drop", "volume_burst", "aspect_deterioration", "suspicious_duplicates"]
AlertKey = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Alert:
    """A problem found on a hotel, with plain-English advice and the numbers behind it."""

    hotel_id: str
    kind: AlertKind
    aspect: str | None
    onset: date
    detected_at: date
    severity: float
    message: str
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> AlertKey:
        """(hotel, kind, aspect or "", ISO onset week "2026-W45"): same on every re-detection."""
        year, week, _ = week_start(self.onset).isocalendar()
        return (self.hotel_id, self.kind, self.aspect or "", f"{year}-W{week:02d}")


class AlertLedger:
    """The alerts already raised; `admit` lets through only those that are new."""

    def __init__(self, *, tolerance_days: int = 28) -> None:
        self._tolerance_days = tolerance_days
        self._onsets: dict[tuple[str, str, str], list[date]] = {}

    def is_repeat(self, alert: Alert) -> bool:
        """Whether an alert of the same hotel, kind and aspect with a near onset was admitted."""
        hotel, kind, aspect, _ = alert.key
        return any(
            abs((alert.onset - onset).days) <= self._tolerance_days
            for onset in self._onsets.get((hotel, kind, aspect), ())
        )

    def admit(self, alerts: Iterable[Alert]) -> tuple[Alert, ...]:
        """The alerts not seen before, remembered from now on."""
        fresh = []
        for alert in alerts:
            repeat = self.is_repeat(alert)
            hotel, kind, aspect, _ = alert.key
            # A repeat's onset is remembered too: an estimate drifting a few days per run stays
            # one problem instead of becoming a new one once it has drifted past the tolerance.
            self._onsets.setdefault((hotel, kind, aspect), []).append(alert.onset)
            if not repeat:
                fresh.append(alert)
        return tuple(fresh)
