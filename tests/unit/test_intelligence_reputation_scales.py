"""Ratings placed on their provider's own range, era by era (intelligence/reputation/scales)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hotelreviews.intelligence.reputation import ProviderScale, aspect_of_grade, normalise


def test_booking_before_2019_starts_at_two_and_a_half():
    position = normalise(
        provider="Booking.com", rating=6.0, rating_scale=10, review_date=date(2018, 12, 31)
    )
    assert position == pytest.approx((6.0 - 2.5) / 7.5)


def test_booking_from_2019_starts_at_one():
    position = normalise(
        provider="Booking.com", rating=6.0, rating_scale=10, review_date=date(2019, 1, 1)
    )
    assert position == pytest.approx(5.0 / 9.0)


def test_the_same_booking_rating_is_worth_more_after_the_switch():
    before = normalise(
        provider="Booking.com", rating=7, rating_scale=10, review_date=date(2017, 6, 1)
    )
    after = normalise(
        provider="Booking.com", rating=7, rating_scale=10, review_date=date(2021, 6, 1)
    )
    assert after > before


def test_a_datetime_review_date_picks_the_era_like_a_date():
    late = datetime(2018, 12, 31, 23, 59, tzinfo=UTC)
    assert normalise(
        provider="Booking.com", rating=2.5, rating_scale=10, review_date=late
    ) == pytest.approx(0.0)


def test_a_rating_below_its_era_minimum_is_clamped_to_the_bottom():
    assert (
        normalise(provider="Booking.com", rating=1.0, rating_scale=10, review_date=date(2016, 1, 1))
        == 0.0
    )


def test_agoda_starts_above_one():
    assert (
        normalise(provider="Agoda", rating=2.0, rating_scale=10, review_date=date(2024, 1, 1))
        == 0.0
    )
    assert (
        normalise(provider="Agoda", rating=6.0, rating_scale=10, review_date=date(2024, 1, 1))
        == 0.5
    )


def test_the_nested_shapes_provider_ids_are_aliases():
    day = date(2024, 1, 1)
    assert normalise(provider="332", rating=6, rating_scale=10, review_date=day) == normalise(
        provider="agoda", rating=6, rating_scale=10, review_date=day
    )


def test_expedia_is_one_to_ten():
    assert (
        normalise(provider="Expedia", rating=5.5, rating_scale=10, review_date=date(2024, 1, 1))
        == 0.5
    )


def test_a_hotel_group_feed_is_one_to_five():
    day = date(2024, 1, 1)
    assert (
        normalise(provider="feed:group-feed", rating=4.0, rating_scale=5, review_date=day) == 0.75
    )
    assert normalise(provider="feed:direct", rating=1.0, rating_scale=5, review_date=day) == 0.0


def test_an_unknown_provider_uses_the_delivered_scale_from_one():
    day = date(2024, 1, 1)
    assert normalise(provider="Tripadvisor", rating=1.0, rating_scale=5, review_date=day) == 0.0
    assert normalise(provider="Tripadvisor", rating=3.0, rating_scale=5, review_date=day) == 0.5
    assert normalise(provider="Hostelworld", rating=10.0, rating_scale=10, review_date=day) == 1.0


def test_a_known_provider_delivered_on_another_scale_falls_back_to_that_scale():
    # Agoda's 2..10 would put a 5-point 3.0 at 0.125; the delivered 1..5 puts it in the middle.
    assert (
        normalise(provider="Agoda", rating=3.0, rating_scale=5, review_date=date(2024, 1, 1)) == 0.5
    )


def test_a_share_scale_of_one_starts_at_zero():
    assert (
        normalise(provider="Odd", rating=0.25, rating_scale=1, review_date=date(2024, 1, 1)) == 0.25
    )


def test_a_scale_must_have_room_between_its_ends():
    with pytest.raises(ValueError):
        ProviderScale(minimum=5, maximum=5)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Cleanliness", "cleanliness"),
        ("Staff & service", "staff"),
        ("Room comfort and quality", "room"),
        ("Value  for money", "value"),
        ("Free WiFi", "wifi"),
        ("Amenities", "facilities"),
        ("Eco-friendliness", None),
    ],
)
def test_provider_grade_names_map_to_the_ten_keys(name, key):
    assert aspect_of_grade(name) == key
