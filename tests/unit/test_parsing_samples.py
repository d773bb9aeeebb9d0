"""The sample files parsed line by line give exactly what tests/data/EXPECTED.md describes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hotelreviews.ingestion.shapes.parsing import parse_line
from hotelreviews.ingestion.shapes.records import NormalizedReview, Rejection, RejectReason

DATA = Path(__file__).resolve().parents[1] / "data"


def parse_file(name: str) -> dict[int, NormalizedReview | Rejection | None]:
    """Line number -> parse result, splitting on newlines like the reader does."""
    lines = (DATA / name).read_bytes().split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the file's final newline does not start another line
    return {number: parse_line(raw) for number, raw in enumerate(lines, start=1)}


@pytest.fixture(scope="module")
def agoda() -> dict[int, NormalizedReview | Rejection | None]:
    return parse_file("agoda_com_2025-03-16.jl")


@pytest.fixture(scope="module")
def group_feed() -> dict[int, NormalizedReview | Rejection | None]:
    return parse_file("group_feed_2024-11-06.jsonl")


@pytest.fixture(scope="module")
def broken() -> dict[int, NormalizedReview | Rejection | None]:
    return parse_file("broken_lines.jl")


def test_agoda_sample_gives_ten_valid_lines_of_nine_reviews_for_four_hotels(agoda):
    assert len(agoda) == 10
    reviews = list(agoda.values())
    assert all(isinstance(review, NormalizedReview) for review in reviews)
    assert len({(r.provider.key, r.provider_review_id) for r in reviews}) == 9
    assert {r.hotel.external_id for r in reviews} == {"5101", "5230", "5377", "5444"}
    assert {(r.provider.key, r.provider.name) for r in reviews} == {
        ("332", "Agoda"),
        ("333", "Expedia"),
        ("334", "Booking.com"),
    }
    assert {r.provider.rating_scale for r in reviews} == {10.0}
    assert {r.language for r in reviews} == {"en", "vi", "de"}


def test_agoda_sample_repeated_review_differs_in_rating_text_and_hash(agoda):
    first, later = agoda[8], agoda[9]
    assert (first.provider.key, first.provider_review_id) == ("332", "70000202")
    assert (later.provider.key, later.provider_review_id) == ("332", "70000202")
    assert (first.rating, later.rating) == (6.0, 6.8)
    assert "Update:" in later.text and "Update:" not in first.text
    assert first.content_hash != later.content_hash


def test_agoda_sample_review_with_empty_text_is_valid_with_no_text(agoda):
    review = agoda[7]
    assert review.provider_review_id == "70000201"
    assert review.text is None
    assert review.rating == 10.0


def test_agoda_sample_hotel_5101_has_grades_from_two_providers_in_one_snapshot(agoda):
    review = agoda[3]
    assert review.hotel.external_id == "5101"
    assert [s.provider.key for s in review.standings] == ["332", "334"]
    assert [s.provider.name for s in review.standings] == ["Agoda", "Booking.com"]
    assert all(s.grades for s in review.standings)


def test_agoda_sample_first_line_is_fully_normalised(agoda):
    review = agoda[1]
    assert review.rating == 8.8
    assert review.rating_normalized == 8.8
    assert review.review_date == datetime(2025, 3, 14, 1, 12, tzinfo=UTC)
    assert review.review_date_offset_minutes == 480
    assert review.review_date_offset_missing is False
    assert review.title == "Lovely stay by the water"
    assert review.positives is None and review.negatives is None
    assert review.stay_month == date(2025, 3, 1)
    assert review.traveller_type == "couple"
    assert review.room_type == "Deluxe King"
    assert review.length_of_stay == 3
    assert review.reviewer_country == "Singapore"
    assert review.reviewer_name == "*****"
    assert review.reviewer_review_count == 4
    assert review.reviewer_is_expert is False
    assert review.response is None
    assert review.aspects == {}
    assert review.hotel.name == "Harbourfront Lantern Hotel"
    standing = review.standings[0]
    assert (standing.score, standing.review_count) == (8.3, 1204)
    assert standing.grades["Room comfort and quality"] == 8.1
    assert len(review.content_hash) == 32


def test_agoda_sample_answered_review_carries_the_hotel_response(agoda):
    review = agoda[5]
    assert review.response is not None
    assert review.response.responder == "Old Quarter Courtyard Inn"
    assert review.traveller_type == "solo"


def test_group_feed_gives_four_reviews_for_two_hotels_on_the_five_point_scale(group_feed):
    assert len(group_feed) == 4
    reviews = list(group_feed.values())
    assert all(isinstance(review, NormalizedReview) for review in reviews)
    assert {r.hotel.external_id for r in reviews} == {"GH-SIN-01", "GH-LIS-02"}
    assert {r.provider.rating_scale for r in reviews} == {5.0}
    assert [r.rating for r in reviews] == [4.5, 2.0, 5.0, 3.5]
    assert [r.rating_normalized for r in reviews] == [9.0, 4.0, 10.0, 7.0]


def test_group_feed_accepts_rating_and_sub_rating_given_as_strings(group_feed):
    review = group_feed[2]
    assert review.rating == 2.0
    assert review.aspects == {"value": 3.0}


def test_group_feed_first_line_is_fully_normalised(group_feed):
    review = group_feed[1]
    assert review.provider.key == "feed:group-feed"
    assert review.aspects == {
        "service": 9.0,
        "cleanliness": 10.0,
        "location": 10.0,
        "value": 7.0,
        "comfort": 9.0,
        "facilities": 9.0,
    }
    assert review.stay_month == date(2024, 10, 1)
    assert review.traveller_type == "business"
    assert review.review_date == datetime(2024, 11, 2, 10, 0, tzinfo=UTC)
    hotel = review.hotel
    assert (hotel.city, hotel.country, hotel.address) == (
        "Singapore",
        "Singapore",
        "8 Bayfront Walk",
    )
    assert (hotel.stars, hotel.latitude, hotel.longitude) == (5.0, 1.2834, 103.8607)
    assert hotel.amenities == ("wifi", "pool", "gym")


BROKEN_EXPECTED = {
    1: RejectReason.MISSING_FIELD,
    2: RejectReason.MISSING_FIELD,
    3: RejectReason.OUT_OF_RANGE,
    4: RejectReason.INVALID_DATE,
    5: RejectReason.INVALID_JSON,
    6: RejectReason.INVALID_JSON,
    7: None,
    8: RejectReason.NOT_AN_OBJECT,
    9: RejectReason.WRONG_TYPE,
    10: "valid",
    11: RejectReason.MISSING_FIELD,
    12: RejectReason.NON_FINITE_NUMBER,
}


def test_broken_lines_give_one_review_one_blank_and_ten_rejections_by_line(broken):
    assert len(broken) == 12
    outcome = {
        number: (
            None
            if result is None
            else "valid"
            if isinstance(result, NormalizedReview)
            else result.reason
        )
        for number, result in broken.items()
    }
    assert outcome == BROKEN_EXPECTED
    assert sum(isinstance(r, Rejection) for r in broken.values()) == 10
    assert broken[10].provider_review_id == "80000010"


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        (1, ["comment.rating is missing"]),
        (2, ["hotelId is missing"]),
        (3, ["comment.rating 42 is out of range 1–10"]),
        (4, ['"yesterday afternoon"', "ISO 8601"]),
        (5, ["unexpected end at column", "truncated line?"]),
        (6, ["not valid JSON", "column 1"]),
        (8, ["line is a JSON array, expected an object"]),
        (
            9,
            [
                'hotelId must be an integer, got the string "not-a-number"; '
                'comment.rating must be a number, got the string "seven"'
            ],
        ),
        (11, ["comment is missing"]),
        (12, ['"rating": NaN']),
    ],
)
def test_broken_lines_explain_each_rejection_in_actionable_words(broken, line, fragments):
    message = broken[line].message
    for fragment in fragments:
        assert fragment in message
