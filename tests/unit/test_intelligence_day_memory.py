"""The runner's memory of hotels' day sums: used only at the cursor it was committed at."""

from __future__ import annotations

from datetime import date

from hotelreviews.intelligence.reputation import RatedReview
from hotelreviews.intelligence.runner.day_series import DayMemory, HotelDays

SINCE = date(2025, 1, 1)


def _days(reviews: int) -> HotelDays:
    days = HotelDays(since=SINCE)
    for _ in range(reviews):
        days.add(provider="agoda", rating=8.0, rating_scale=10.0, day=SINCE, polarities=())
    return days


def test_sums_remembered_at_a_cursor_are_used_at_that_cursor_only() -> None:
    memory = DayMemory()
    memory.remember({1: _days(2)}, planned_at=None, cursor=10)

    assert memory.known(1, cursor=10, since=SINCE) is not None
    # Another runner moved the cursor (or our write rolled back): nothing we hold is sure.
    assert memory.known(1, cursor=12, since=SINCE) is None
    assert memory.hotels == {} and memory.cursor is None


def test_a_step_planned_from_another_cursor_keeps_only_its_own_hotels() -> None:
    memory = DayMemory()
    memory.remember({1: _days(1), 2: _days(1)}, planned_at=None, cursor=10)
    memory.remember({3: _days(1)}, planned_at=10, cursor=20)  # hotels 1, 2 untouched: kept
    assert set(memory.hotels) == {1, 2, 3}

    memory.remember({4: _days(1)}, planned_at=15, cursor=30)  # planned elsewhere
    assert set(memory.hotels) == {4} and memory.cursor == 30


def test_adding_a_steps_reviews_leaves_the_remembered_sums_as_they_were() -> None:
    # The step may never commit: its sums go in only through `remember`.
    kept = _days(1)
    review = RatedReview(provider="agoda", rating=4.0, rating_scale=10.0, review_date=SINCE)
    moved = kept.with_reviews([review], since=SINCE)

    assert [b.reviews for b in kept.buckets(as_of=SINCE)] == [1]
    assert [b.reviews for b in moved.buckets(as_of=SINCE)] == [2]


def test_a_later_window_drops_the_days_before_it_and_the_memory_is_bounded() -> None:
    days = _days(1)
    days.add(provider="agoda", rating=8.0, rating_scale=10.0, day=date(2025, 3, 1), polarities=())
    moved = days.with_reviews([], since=date(2025, 2, 1))
    assert [b.day for b in moved.buckets(as_of=date(2025, 3, 1))] == [date(2025, 3, 1)]

    memory = DayMemory(capacity=2)
    memory.remember({1: _days(1), 2: _days(1)}, planned_at=None, cursor=1)
    memory.remember({3: _days(1)}, planned_at=1, cursor=2)
    assert set(memory.hotels) == {2, 3}  # the least recently touched went
