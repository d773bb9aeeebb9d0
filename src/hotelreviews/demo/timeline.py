"""The fixed three years the demo covers, as precomputed per-day strings (no clock is read)."""

from __future__ import annotations

from datetime import date, timedelta

FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2025, 12, 31)
MONTHS = 36
_MARGIN = 120  # days before FIRST_DAY, for stays that began before the first review

_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

_start = FIRST_DAY - timedelta(days=_MARGIN)
_days = [_start + timedelta(days=k) for k in range((LAST_DAY - _start).days + 1)]

DAY_ISO: tuple[str, ...] = tuple(d.isoformat() for d in _days)
DAY_LONG: tuple[str, ...] = tuple(f"{_NAMES[d.month - 1]} {d.day}, {d.year}" for d in _days)
DAY_MONTH_YEAR: tuple[str, ...] = tuple(f"{_NAMES[d.month - 1]} {d.year}" for d in _days)
LAST_INDEX = len(_days) - 1
HHMM: tuple[str, ...] = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(1440))


def month_days(month: int) -> tuple[int, int]:
    """(index of the month's first day in the DAY_* tables, number of days) for month 0..35."""
    year, mon = FIRST_DAY.year + month // 12, month % 12 + 1
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return (first - _start).days, (nxt - first).days


def month_end(month: int) -> str:
    """The last day of the month as YYYY-MM-DD: the delivery date in file names."""
    first, n = month_days(month)
    return DAY_ISO[first + n - 1]


def month_weights() -> list[float]:
    """Review volume per month: growing over the three years, peaking in the summer and December."""
    season = (0.9, 0.85, 0.95, 1.0, 1.0, 1.1, 1.25, 1.3, 1.05, 1.0, 0.95, 1.15)
    return [(1.0 + 0.6 * m / (MONTHS - 1)) * season[m % 12] for m in range(MONTHS)]
