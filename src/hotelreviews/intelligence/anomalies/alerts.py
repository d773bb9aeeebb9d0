"""The alert record, its stable key, and the ledger that stops an alert being raised twice.

An online detector is evaluated again every day on a series that grew by one day; the same
problem is found again and again, and its estimated onset moves as evidence accumulates (a
drop seen against a baseline that now includes the drop's first weeks seems to start later).
The key is therefore (hotel, kind, aspect, onset week), and the ledger treats an alert as a
repeat of a known problem of the same hotel, kind and aspect when its onset is no earlier than
that problem's first onset and no later than the last day it was seen, give or take
`tolerance_days`: only an onset well after the problem was last seen is a new problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
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


@dataclass(slots=True)
class _Problem:
    first_onset: date
    last_seen: date


class AlertLedger:
    """The problems already alerted on; `admit` lets through only alerts of new ones."""

    def __init__(self, *, tolerance_days: int = 28) -> None:
        self._tolerance = timedelta(days=tolerance_days)
        self._problems: dict[tuple[str, str, str], _Problem] = {}

    def is_repeat(self, alert: Alert) -> bool:
        """Whether the alert is a problem already alerted on, still open when last seen."""
        hotel, kind, aspect, _ = alert.key
        problem = self._problems.get((hotel, kind, aspect))
        return (
            problem is not None
            and problem.first_onset - self._tolerance
            <= alert.onset
            <= problem.last_seen + self._tolerance
        )

    def admit(self, alerts: Iterable[Alert]) -> tuple[Alert, ...]:
        """The alerts of new problems; every alert given refreshes its problem's last sighting."""
        fresh = []
        for alert in alerts:
            hotel, kind, aspect, _ = alert.key
            if self.is_repeat(alert):
                problem = self._problems[(hotel, kind, aspect)]
                problem.last_seen = max(problem.last_seen, alert.detected_at)
                continue
            self._problems[(hotel, kind, aspect)] = _Problem(alert.onset, alert.detected_at)
            fresh.append(alert)
        return tuple(fresh)
