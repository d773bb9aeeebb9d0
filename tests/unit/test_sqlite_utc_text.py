"""UTCDateTime's storage text on SQLite, for writers that bypass SQLAlchemy's processing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hotelreviews.core.types import sqlite_utc_text


def test_a_moment_is_stored_as_naive_utc_text_with_microseconds() -> None:
    # The runner compares stored times as text: every one must have the same shape.
    paris = timezone(timedelta(hours=1))
    stored = sqlite_utc_text(datetime(2025, 3, 1, 13, 0, tzinfo=paris))
    assert stored == "2025-03-01 12:00:00.000000"
    assert sqlite_utc_text(datetime(2025, 3, 1, 12, 0, 0, 5, tzinfo=UTC)).endswith(".000005")


def test_a_naive_moment_is_refused_as_the_column_refuses_it() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        sqlite_utc_text(datetime(2025, 3, 1, 12, 0))
