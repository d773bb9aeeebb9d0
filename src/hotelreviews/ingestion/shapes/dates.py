"""Dates in provider lines: the review's timestamp (required) and the month of stay (optional)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from hotelreviews.ingestion.shapes.fields import CACHED_TEXT, Problems, missing, shorten, wrong_type
from hotelreviews.ingestion.shapes.records import RejectReason

MIN_YEAR = 1990
MAX_YEAR = 2100
_CACHE_LIMIT = 1024
_offset_minutes: dict[tzinfo, int] = {}
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
    found = instant(value)
    if found is not None:
        return found
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(
            (
                RejectReason.INVALID_DATE,
                f'{path} "{shorten(value)}" is not an ISO 8601 date'
                " (expected e.g. 2025-04-10T05:37:00+07:00)",
            )
        )
        return None
    problems.append(
        (
            RejectReason.OUT_OF_RANGE,
            f'{path} "{shorten(value)}" is out of range (years {MIN_YEAR}–{MAX_YEAR})',
        )
    )
    return None


def instant(value: str) -> tuple[datetime, int, bool] | None:
    """(UTC datetime, offset minutes, offset missing) of an ISO 8601 date in range, else None."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    zone = parsed.tzinfo
    if zone is None:  # combine() builds it several times faster than replace(tzinfo=UTC)
        return datetime.combine(parsed, parsed.time(), UTC), 0, True
    # fromisoformat gives fixed-offset zones, and a feed uses a handful of them.
    minutes = _offset_minutes.get(zone)
    if minutes is None:
        offset = parsed.utcoffset()
        assert offset is not None  # a fixed-offset zone always has one
        minutes = int(offset.total_seconds() // 60)
        if len(_offset_minutes) >= _CACHE_LIMIT:
            _offset_minutes.clear()
        _offset_minutes[zone] = minutes
    return parsed.astimezone(UTC), minutes, False


def month_year(value: Any) -> date | None:
    """'April 2025' / 'Apr 2025' to the first day of that month; anything else None."""
    if type(value) is not str:
        return None
    return _month_year(value) if len(value) <= CACHED_TEXT else _month_year.__wrapped__(value)


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
    return _stay_date(value) if len(value) <= CACHED_TEXT else _stay_date.__wrapped__(value)


@lru_cache(maxsize=4096)  # stays fall on a few hundred distinct days per file
def _stay_date(value: str) -> date | None:
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
