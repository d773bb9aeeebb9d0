"""Dates in provider lines: the review's timestamp (required) and the month of stay (optional)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from hotelreviews.ingestion.fields import Problems, missing, shorten, wrong_type
from hotelreviews.ingestion.records import RejectReason

MIN_YEAR = 1990
MAX_YEAR = 2100
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


def review_date(value: Any, path: str, problems: Problems) -> tuple[datetime, int, bool] | None:
    """A required ISO 8601 date: (UTC datetime, offset minutes, offset missing)."""
    if value is None:
        missing(problems, path)
        return None
    if type(value) is not str:
        wrong_type(problems, path, "an ISO 8601 date string", value)
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(
            (
                RejectReason.INVALID_DATE,
                f'{path} "{shorten(value)}" is not an ISO 8601 date'
                " (expected e.g. 2025-04-10T05:37:00+07:00)",
            )
        )
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        problems.append(
            (
                RejectReason.OUT_OF_RANGE,
                f'{path} "{shorten(value)}" is out of range (years {MIN_YEAR}–{MAX_YEAR})',
            )
        )
        return None
    offset = parsed.utcoffset()
    if offset is None:
        return parsed.replace(tzinfo=UTC), 0, True
    return parsed.astimezone(UTC), int(offset.total_seconds() // 60), False


def month_year(value: Any) -> date | None:
    """'April 2025' / 'Apr 2025' to the first day of that month; anything else None."""
    return _month_year(value) if type(value) is str else None


@lru_cache(maxsize=4096)  # a feed uses a handful of distinct month labels
def _month_year(value: str) -> date | None:
    parts = value.split()
    if len(parts) != 2 or not parts[1].isdigit():
        return None
    month = _MONTHS.get(parts[0].lower())
    year = int(parts[1])
    if month is None or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    return date(year, month, 1)


def stay_date(value: Any) -> date | None:
    """'2024-10-28' or '2024-10' to the first day of that month; anything else None."""
    if type(value) is not str:
        return None
    text_value = value.strip()
    if len(text_value) == 7:
        text_value += "-01"
    try:
        parsed = date.fromisoformat(text_value[:10])
    except ValueError:
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed.replace(day=1)
