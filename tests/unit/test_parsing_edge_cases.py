"""What real feeds bring beyond the samples: encodings, odd numbers, long lines, odd dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest

from hotelreviews.ingestion.shapes.parsing import MAX_LINE_BYTES, parse_line, parse_precise
from hotelreviews.ingestion.shapes.records import (
    HotelRef,
    NormalizedReview,
    Rejection,
    RejectReason,
)

DROP = object()


def _apply(target: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if value is DROP:
            target.pop(key, None)
        else:
            target[key] = value
    return target


def nested(*, top: dict[str, Any] | None = None, **comment: Any) -> dict[str, Any]:
    """A valid nested-shape object; keyword arguments change `comment` fields (DROP removes)."""
    obj = {
        "hotelId": 10984,
        "platform": "Agoda",
        "hotelName": "Test Hotel",
        "comment": {
            "hotelReviewId": 948353737,
            "providerId": 332,
            "rating": 6.4,
            "reviewTitle": "Fine",
            "reviewComments": "Clean room.",
            "reviewDate": "2025-04-10T05:37:00+07:00",
            "checkInDateMonthAndYear": "April 2025",
            "translateSource": "en",
            "isShowReviewResponse": False,
            "responderName": "",
            "reviewProviderText": "Agoda",
            "reviewerInfo": {"reviewGroupName": "Solo traveler", "lengthOfStay": 2},
        },
        "overallByProviders": [
            {"providerId": 332, "provider": "Agoda", "overallScore": 7.9, "reviewCount": 7070,
             "grades": {"Cleanliness": 7.7, "Location": 9.1}},
        ],
    }  # fmt: skip
    _apply(obj["comment"], comment)
    return _apply(obj, top or {})


def flat(**changes: Any) -> dict[str, Any]:
    """A valid flat-shape object; keyword arguments change fields (DROP removes)."""
    obj = {
        "id": "gh-1", "hotel_id": "GH-1", "hotel_name": "Flat Hotel", "rating": 4.5,
        "comment": "Nice.", "review_date": "2024-11-02T10:00:00Z", "source": "group-feed",
    }  # fmt: skip
    return _apply(obj, changes)


def line(obj: Any) -> bytes:
    return orjson.dumps(obj)


def review_of(raw: bytes) -> NormalizedReview:
    result = parse_line(raw)
    assert isinstance(result, NormalizedReview), result
    return result


def rejection_of(raw: bytes) -> Rejection:
    result = parse_line(raw)
    assert isinstance(result, Rejection), result
    assert result.message
    return result


# --- blank lines, BOM, CRLF, encodings ---------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"   ", b"\t", b"\r", b" \r"])
def test_blank_or_whitespace_line_is_skipped_not_rejected(raw):
    assert parse_line(raw) is None


def test_line_with_a_byte_order_mark_parses_like_one_without():
    raw = line(nested())
    assert review_of(b"\xef\xbb\xbf" + raw) == review_of(raw)


def test_line_with_a_trailing_carriage_return_parses_like_one_without():
    raw = line(flat())
    assert review_of(raw + b"\r") == review_of(raw)


def test_invalid_utf8_is_rejected_with_the_byte_offset():
    raw = line(nested(reviewComments="caf\u00e9")).replace("é".encode(), b"\xe9")
    rejection = rejection_of(raw)
    assert rejection.reason is RejectReason.INVALID_ENCODING
    offset = raw.index(b"\xe9")
    assert f"byte offset {offset}" in rejection.message
    assert "0xe9" in rejection.message


def test_unpaired_surrogate_escape_is_an_encoding_problem():
    raw = line(nested()).replace(b"Clean room.", b"Clean \\ud800 room.")
    assert rejection_of(raw).reason is RejectReason.INVALID_ENCODING


def test_unicode_text_survives_unchanged():
    text = "Phòng sạch sẽ 👍 — 很好 — Ruhiges Zimmer"
    assert review_of(line(nested(reviewComments=text))).text == text


# --- JSON problems ------------------------------------------------------------------------


def test_truncated_line_is_invalid_json_that_suggests_truncation():
    raw = line(nested())[:150]
    rejection = rejection_of(raw)
    assert rejection.reason is RejectReason.INVALID_JSON
    assert "unexpected end at column 151 (truncated line?)" in rejection.message


def test_text_after_the_object_is_invalid_json():
    rejection = rejection_of(line(flat()) + b" trailing")
    assert rejection.reason is RejectReason.INVALID_JSON
    assert "after the JSON value" in rejection.message


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"[1, 2]", "a JSON array"),
        (b'"text"', "a JSON string"),
        (b"42", "a JSON number"),
        (b"true", "JSON true/false"),
        (b"null", "JSON null"),
    ],
)
def test_top_level_value_that_is_not_an_object_is_named(raw, kind):
    rejection = rejection_of(raw)
    assert rejection.reason is RejectReason.NOT_AN_OBJECT
    assert rejection.message == f"line is {kind}, expected an object"


@pytest.mark.parametrize(
    ("token", "shown"),
    [(b"NaN", '"rating": NaN'), (b"Infinity", '"rating": Infinity'), (b"-Infinity", "-Infinity")],
)
def test_bare_non_finite_tokens_are_rejected_naming_the_field(token, shown):
    raw = line(flat(rating=12345)).replace(b"12345", token)
    rejection = rejection_of(raw)
    assert rejection.reason is RejectReason.NON_FINITE_NUMBER
    assert shown in rejection.message


def test_nan_inside_a_string_is_just_text():
    review = review_of(line(nested(reviewComments="NaN Infinity")))
    assert review.text == "NaN Infinity"


def test_number_overflowing_to_infinity_is_non_finite():
    raw = line(flat(rating=12345)).replace(b"12345", b"1e999")
    rejection = rejection_of(raw)
    assert rejection.reason is RejectReason.NON_FINITE_NUMBER
    assert '"rating"' in rejection.message


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity", "1e999"])
def test_non_finite_numeric_strings_are_rejected(value):
    rejection = rejection_of(line(nested(rating=value)))
    assert rejection.reason is RejectReason.NON_FINITE_NUMBER
    assert "comment.rating must be a finite number" in rejection.message


def test_duplicate_keys_keep_the_last_value_and_the_line_stays_valid():
    raw = line(flat(rating=1.0)).replace(b'"rating":1.0', b'"rating":1.0,"rating":4.0')
    assert raw.count(b'"rating"') == 2
    assert review_of(raw).rating == 4.0


def test_object_of_neither_shape_lists_expected_and_found_keys():
    rejection = rejection_of(line({"review": 1, "stars": 5}))
    assert rejection.reason is RejectReason.UNKNOWN_SHAPE
    assert '"hotelId"' in rejection.message and '"hotel_id"' in rejection.message
    assert '"review", "stars"' in rejection.message


# --- long lines ---------------------------------------------------------------------------


def test_line_longer_than_the_limit_is_rejected_without_parsing():
    raw = b"{" + b" " * MAX_LINE_BYTES  # the reader hands over MAX + 1 bytes of a long line
    rejection = rejection_of(raw)
    assert rejection.reason is RejectReason.LINE_TOO_LONG
    assert "1 MiB" in rejection.message


def test_long_line_just_under_the_limit_is_parsed():
    obj = nested(reviewComments="x")
    padding = MAX_LINE_BYTES - len(line(obj))
    raw = line(nested(reviewComments="x" * (padding + 1)))
    assert len(raw) == MAX_LINE_BYTES
    assert len(review_of(raw).text) == padding + 1


# --- numbers as strings, ids, types -------------------------------------------------------


def test_numbers_and_ids_given_as_strings_are_accepted():
    obj = nested(top={"hotelId": "10984"}, hotelReviewId="948353737", providerId="333")
    obj["comment"]["rating"] = " 7.5 "
    obj["comment"]["reviewerInfo"]["lengthOfStay"] = "3"
    review = review_of(line(obj))
    assert (review.hotel.external_id, review.provider_review_id) == ("10984", "948353737")
    assert (review.provider.key, review.provider.name) == ("333", "Expedia")
    assert review.rating == 7.5
    assert review.length_of_stay == 3


def test_flat_ids_given_as_numbers_become_text():
    review = review_of(line(flat(id=123, hotel_id=77)))
    assert (review.provider_review_id, review.hotel.external_id) == ("123", "77")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rating": "seven"}, 'comment.rating must be a number, got the string "seven"'),
        ({"rating": True}, "comment.rating must be a number, got true"),
        ({"rating": [7]}, "comment.rating must be a number, got an array"),
        ({"hotelReviewId": 1.5}, "comment.hotelReviewId must be an integer, got the number 1.5"),
        ({"providerId": {"id": 1}}, "comment.providerId must be an integer, got an object"),
        ({"reviewDate": 20250410}, "comment.reviewDate must be an ISO 8601 date string"),
    ],
)
def test_wrong_types_say_what_was_expected_and_what_came(changes, message):
    rejection = rejection_of(line(nested(**changes)))
    assert rejection.reason is RejectReason.WRONG_TYPE
    assert message in rejection.message


def test_comment_that_is_not_an_object_is_a_wrong_type():
    rejection = rejection_of(line(nested(top={"comment": "great"})))
    assert rejection.reason is RejectReason.WRONG_TYPE
    assert rejection.message == 'comment must be an object, got the string "great"'


@pytest.mark.parametrize("field", ["hotelId", "hotelName"])
def test_missing_or_null_top_level_field_is_named(field):
    for value in (DROP, None):
        rejection = rejection_of(line(nested(top={field: value})))
        assert rejection.reason is RejectReason.MISSING_FIELD
        assert rejection.message == f"{field} is missing"


@pytest.mark.parametrize("field", ["hotelReviewId", "providerId", "rating", "reviewDate"])
def test_missing_comment_field_is_named_by_its_path(field):
    rejection = rejection_of(line(nested(**{field: DROP})))
    assert rejection.reason is RejectReason.MISSING_FIELD
    assert rejection.message == f"comment.{field} is missing"


@pytest.mark.parametrize(
    "field", ["id", "hotel_id", "hotel_name", "rating", "comment", "review_date"]
)
def test_missing_flat_field_is_named(field):
    rejection = rejection_of(line(flat(**{field: None})))
    assert rejection.reason is RejectReason.MISSING_FIELD
    assert rejection.message == f"{field} is missing"


def test_several_problems_are_all_reported_first_one_giving_the_reason():
    obj = nested(top={"hotelName": None}, rating=0.5, reviewDate="soon")
    rejection = rejection_of(line(obj))
    assert rejection.reason is RejectReason.MISSING_FIELD
    assert rejection.message.split("; ") == [
        "hotelName is missing",
        "comment.rating 0.5 is out of range 1–10",
        'comment.reviewDate "soon" is not an ISO 8601 date'
        " (expected e.g. 2025-04-10T05:37:00+07:00)",
    ]


def test_optional_junk_is_dropped_rather_than_rejecting_the_review():
    obj = nested(
        reviewTitle=17,
        translateSource=["en"],
        checkInDateMonthAndYear="sometime",
        isShowReviewResponse="yes",
        reviewerInfo={"lengthOfStay": "two nights", "isExpertReviewer": "true"},
    )
    review = review_of(line(obj))
    assert review.title is None
    assert review.language is None
    assert review.stay_month is None
    assert review.response is None
    assert review.length_of_stay is None
    assert review.reviewer_is_expert is None


# --- ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (nested(rating=42), "comment.rating 42 is out of range 1–10"),
        (nested(rating=0), "comment.rating 0 is out of range 1–10"),
        (flat(rating=5.5), "rating 5.5 is out of range 1–5"),
        (flat(rating="0.5"), "rating 0.5 is out of range 1–5"),
        (flat(value_rating=7), "value_rating 7 is out of range 1–5"),
        (flat(hotel_latitude=91), "hotel_latitude 91 is out of range -90–90"),
        (flat(hotel_longitude="-180.5"), "hotel_longitude -180.5 is out of range -180–180"),
        (flat(hotel_star_rating=6), "hotel_star_rating 6 is out of range 0–5"),
        (nested(top={"hotelStarRating": 5.5}), "hotelStarRating 5.5 is out of range 0–5"),
        (nested(top={"hotelLatitude": "-90.01"}), "hotelLatitude -90.01 is out of range -90–90"),
        (nested(top={"hotelLongitude": 181}), "hotelLongitude 181 is out of range -180–180"),
        (
            nested(reviewerInfo={"lengthOfStay": 400}),
            "comment.reviewerInfo.lengthOfStay 400 is out of range 0–365",
        ),
        (
            nested(reviewerInfo={"reviewerReviewedCount": -1}),
            "comment.reviewerInfo.reviewerReviewedCount -1 is out of range",
        ),
        (nested(hotelReviewId=-5), "comment.hotelReviewId -5 must not be negative"),
        (nested(reviewDate="1989-12-31T23:00:00Z"), "out of range (years 1990–2100)"),
        (nested(reviewDate="2101-01-01"), "out of range (years 1990–2100)"),
    ],
)
def test_values_out_of_range_are_rejected_stating_the_range(obj, message):
    rejection = rejection_of(line(obj))
    assert rejection.reason is RejectReason.OUT_OF_RANGE
    assert message in rejection.message


def test_range_bounds_are_inclusive():
    assert review_of(line(nested(rating=1))).rating == 1.0
    assert review_of(line(nested(rating=10))).rating_normalized == 10.0
    review = review_of(line(flat(rating=1, service_rating=5, hotel_latitude=-90)))
    assert (review.rating_normalized, review.aspects, review.hotel.latitude) == (
        2.0,
        {"service": 10.0},
        -90.0,
    )


def test_out_of_range_snapshot_values_are_dropped_without_rejecting():
    obj = nested(
        top={
            "overallByProviders": [
                "junk",
                {"provider": "No id"},
                {"providerId": 999, "provider": "Trip", "overallScore": 11, "reviewCount": -3,
                 "grades": {"Clean": 12.0, "Location": "8.5", "Staff": None, "Wifi": "fast"}},
            ]
        }
    )  # fmt: skip
    review = review_of(line(obj))
    assert len(review.standings) == 1
    standing = review.standings[0]
    assert (standing.provider.key, standing.provider.name) == ("999", "Trip")
    assert (standing.score, standing.review_count) == (None, None)
    assert standing.grades == {"Location": 8.5}


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "utc", "offset"),
    [
        ("2025-04-10T05:37:00+07:00", datetime(2025, 4, 9, 22, 37, tzinfo=UTC), 420),
        ("2025-04-10T05:37:00Z", datetime(2025, 4, 10, 5, 37, tzinfo=UTC), 0),
        ("2025-04-10T05:37:00-03:30", datetime(2025, 4, 10, 9, 7, tzinfo=UTC), -210),
    ],
)
def test_dates_with_offsets_become_utc_keeping_the_offset(value, utc, offset):
    review = review_of(line(nested(reviewDate=value)))
    assert review.review_date == utc
    assert review.review_date.tzinfo is UTC
    assert review.review_date_offset_minutes == offset
    assert review.review_date_offset_missing is False


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2025-04-10T05:37:00", datetime(2025, 4, 10, 5, 37, tzinfo=UTC)),
        ("2024-01-01", datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_dates_without_offset_are_taken_as_utc_and_flagged(value, utc):
    review = review_of(line(flat(review_date=value)))
    assert review.review_date == utc
    assert review.review_date_offset_minutes == 0
    assert review.review_date_offset_missing is True


def test_unparseable_long_date_is_quoted_shortened():
    rejection = rejection_of(line(flat(review_date="x" * 500)))
    assert rejection.reason is RejectReason.INVALID_DATE
    assert '"' + "x" * 59 + '…"' in rejection.message
    assert len(rejection.message) < 200


@pytest.mark.parametrize(
    ("value", "month"),
    [("April 2025", date(2025, 4, 1)), ("sept 2024", date(2024, 9, 1)), ("Month 2025", None)],
)
def test_nested_stay_month_is_read_from_month_and_year(value, month):
    assert review_of(line(nested(checkInDateMonthAndYear=value))).stay_month == month


@pytest.mark.parametrize(
    ("value", "month"),
    [("2024-10-28", date(2024, 10, 1)), ("2024-10", date(2024, 10, 1)), ("28/10/2024", None)],
)
def test_flat_stay_month_is_read_from_stay_date(value, month):
    assert review_of(line(flat(stay_date=value))).stay_month == month


# --- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Solo traveler", "solo"),
        ("Couple", "couple"),
        ("Family with young children", "family"),
        ("Family with teens", "family"),
        ("Group", "group"),
        ("Business traveler", "business"),
        ("business", "business"),
        ("Friends getaway", "other"),
        ("", None),
    ],
)
def test_traveller_labels_are_normalised(label, kind):
    assert review_of(line(nested(reviewerInfo={"reviewGroupName": label}))).traveller_type == kind
    assert review_of(line(flat(trip_type=label))).traveller_type == kind


def test_empty_optional_texts_become_none_and_language_is_lowercased():
    review = review_of(line(flat(comment="", title="", language=" PT ", room_type="")))
    assert (review.text, review.title, review.room_type) == (None, None, None)
    assert review.language == "pt"


def test_flat_provider_comes_from_source_or_defaults_to_direct():
    assert review_of(line(flat())).provider.key == "feed:group-feed"
    direct = review_of(line(flat(source=None))).provider
    assert (direct.key, direct.name, direct.rating_scale) == ("feed:direct", "Direct feed", 5.0)


def test_unknown_nested_provider_is_named_from_the_snapshot_then_the_review_label():
    snapshot = [{"providerId": 555, "provider": "Trip.com", "overallScore": 8.0}]
    named = review_of(line(nested(providerId=555, top={"overallByProviders": snapshot})))
    assert named.provider.name == "Trip.com"
    labelled = review_of(line(nested(providerId=556, reviewProviderText="Hotels.com")))
    assert labelled.provider.name == "Hotels.com"
    anonymous = review_of(line(nested(providerId=557, reviewProviderText="")))
    assert (anonymous.provider.key, anonymous.provider.name) == ("557", None)


def test_hotel_response_is_built_when_shown_or_named():
    shown = review_of(line(nested(isShowReviewResponse=True, formattedResponseDate="May 1, 2025")))
    assert shown.response is not None and shown.response.responded_on == "May 1, 2025"
    answered = review_of(line(nested(responseText="Thank you!", responderName="GM")))
    assert (answered.response.responder, answered.response.text) == ("GM", "Thank you!")
    assert review_of(line(nested())).response is None


def test_nested_hotel_attributes_describe_the_hotel():
    obj = nested(
        top={
            "hotelCity": "Lisbon", "hotelCountry": "Portugal", "hotelAddress": "Rua de Belem 128",
            "hotelStarRating": 4, "hotelLatitude": "38.72427", "hotelLongitude": -9.14774,
            "hotelAmenities": ["wifi", 3, "", "pool", None],
        }
    )  # fmt: skip
    review = review_of(line(obj))
    assert review.hotel == HotelRef(
        "10984", "Test Hotel", "Lisbon", "Portugal", "Rua de Belem 128", 4.0, 38.72427, -9.14774,
        ("wifi", "pool"),
    )  # fmt: skip
    assert review == parse_precise(line(obj))


@pytest.mark.parametrize("value", [DROP, None])
def test_nested_hotel_attributes_are_optional(value):
    keys = ["hotelCity", "hotelCountry", "hotelAddress", "hotelStarRating", "hotelLatitude",
            "hotelLongitude", "hotelAmenities"]  # fmt: skip
    review = review_of(line(nested(top=dict.fromkeys(keys, value))))
    assert review.hotel == HotelRef("10984", "Test Hotel")


def test_junk_in_nested_hotel_attributes_is_dropped_rather_than_rejecting_the_review():
    junk = {
        "hotelCity": 17, "hotelCountry": "", "hotelAddress": ["x"], "hotelStarRating": "four",
        "hotelLatitude": True, "hotelLongitude": "", "hotelAmenities": "wifi, pool",
    }  # fmt: skip
    review = review_of(line(nested(top=junk)))
    assert review.hotel == HotelRef("10984", "Test Hotel")
    assert review_of(line(nested(top={"hotelAmenities": []}))).hotel.amenities is None


def test_nested_hotel_attributes_do_not_change_the_hash():
    plain = review_of(line(nested()))
    placed = review_of(line(nested(top={"hotelCity": "Lisbon", "hotelStarRating": 4})))
    assert plain.content_hash == placed.content_hash


def test_flat_amenities_keep_strings_only():
    review = review_of(line(flat(hotel_amenities=["wifi", 3, "", "pool", None])))
    assert review.hotel.amenities == ("wifi", "pool")
    assert review_of(line(flat(hotel_amenities=[]))).hotel.amenities is None


# --- content hash -------------------------------------------------------------------------


def test_equal_content_gives_equal_hash_whatever_the_encoding_details():
    as_numbers = review_of(line(nested()))
    as_strings = review_of(line(nested(top={"hotelId": "10984"}, hotelReviewId="948353737")))
    assert as_numbers.content_hash == as_strings.content_hash


def test_hotel_attributes_and_standings_do_not_change_the_hash():
    base = review_of(line(nested()))
    snapshot = [{"providerId": 332, "provider": "Agoda", "overallScore": 8.0, "reviewCount": 9}]
    moved = review_of(line(nested(top={"hotelName": "Renamed", "overallByProviders": snapshot})))
    assert base.content_hash == moved.content_hash
    flat_base = review_of(line(flat()))
    assert flat_base.content_hash == review_of(line(flat(hotel_city="Porto"))).content_hash


@pytest.mark.parametrize(
    "changes",
    [
        {"reviewComments": "Clean room!"},
        {"rating": 6.5},
        {"isShowReviewResponse": True, "responderName": "GM"},
        {"reviewTitle": None},
        {"reviewDate": "2025-04-10T05:37:00+08:00"},
        {"reviewerInfo": {"reviewGroupName": "Couple", "lengthOfStay": 2}},
    ],
)
def test_any_edit_to_the_review_changes_the_hash(changes):
    assert review_of(line(nested())).content_hash != review_of(line(nested(**changes))).content_hash


def test_same_review_id_from_another_provider_hashes_differently():
    assert (
        review_of(line(nested(providerId=332))).content_hash
        != review_of(line(nested(providerId=333))).content_hash
    )


def test_flat_line_whose_comment_is_an_object_is_flat_with_a_wrong_type():
    rejection = rejection_of(line(flat(comment={"text": "hi"})))
    assert rejection.reason is RejectReason.WRONG_TYPE
    assert rejection.message == "comment must be a string, got an object"


def test_nested_line_without_hotel_id_is_still_recognised_by_its_comment_object():
    rejection = rejection_of(line(nested(top={"hotelId": DROP})))
    assert rejection.message == "hotelId is missing"
