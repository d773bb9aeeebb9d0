"""The fast path (msgspec) gives exactly what the precise path (orjson) gives, or steps aside.

parse_line tries parse_fast first and falls back to parse_precise when it returns None. So the
fast path must never turn a line the precise path rejects into a review, and must build the
very same review (content hash included) for every line it takes.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotelreviews.ingestion.shapes.parsing import parse_fast, parse_line, parse_precise
from hotelreviews.ingestion.shapes.records import NormalizedReview, Rejection, RejectReason
from tests.unit.test_parsing_properties import (
    JSON_VALUES,
    SETTINGS,
    flat_lines,
    nested_lines,
    texts,
    valid_object,
)


def same_outcome(raw: bytes) -> NormalizedReview | Rejection:
    """Check the fast path against the precise one for `raw`; return the precise result."""
    precise = parse_precise(raw)
    fast = parse_fast(raw)
    if isinstance(precise, Rejection):
        assert fast is None, f"the fast path took a line the precise path rejects: {precise}"
    elif fast is not None:
        assert fast == precise
        assert fast.content_hash == precise.content_hash
    return precise


@SETTINGS
@given(nested_lines() | flat_lines())
def test_generated_valid_lines_take_the_fast_path_to_the_precise_paths_review(case):
    raw, _ = case
    fast = parse_fast(raw)
    assert fast is not None, "a typical valid line should not need the precise path"
    assert fast == parse_precise(raw)
    assert fast.content_hash == parse_precise(raw).content_hash


@SETTINGS
@given(nested_lines() | flat_lines())
def test_the_fast_path_gives_the_same_review_on_repeated_lines(case):
    raw, _ = case  # the second parse is served from the caches of hotels, providers, labels
    assert parse_fast(raw) == parse_fast(raw) == parse_precise(raw)


NESTED_PATHS = [
    "hotelId", "hotelName", "platform", "overallByProviders", "hotelCity", "hotelStarRating",
    "hotelLatitude", "hotelAmenities", "comment", "comment.hotelReviewId", "comment.providerId",
    "comment.rating", "comment.reviewDate", "comment.reviewTitle", "comment.reviewComments",
    "comment.translateSource", "comment.isShowReviewResponse", "comment.responderName",
    "comment.responseText", "comment.hotelResponse",
    "comment.checkInDateMonthAndYear", "comment.reviewProviderText", "comment.formattedRating",
    "comment.reviewerInfo", "comment.reviewerInfo.lengthOfStay",
    "comment.reviewerInfo.reviewGroupName", "comment.reviewerInfo.reviewerReviewedCount",
    "comment.reviewerInfo.isExpertReviewer", "comment.reviewerInfo.countryId",
]  # fmt: skip
FLAT_PATHS = [
    "id", "hotel_id", "hotel_name", "rating", "comment", "review_date", "title", "stay_date",
    "trip_type", "language", "hotel_star_rating", "hotel_latitude", "hotel_longitude",
    "hotel_amenities", "service_rating", "value_rating", "source", "metadata", "helpful_votes",
    "metadata.hotel_response", "metadata.hotel_response.text",
    "metadata.hotel_response.responder",
]  # fmt: skip
ODD_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(["", " ", "7", " 7.5 ", "1e999", "NaN", "-Infinity", "0x10", "1_000", "-3"]),
    st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, -1, 0, 0.0, -0.0, 1e308]),
    st.sampled_from(["2025-04-10T05:37:00+07:00", "2025-04-10", "yesterday", "April 2025"]),
)


def dumps(obj: Any) -> bytes:
    """JSON text that may hold what orjson won't write: huge integers, bare Infinity."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for parent in parents:
        child = obj.get(parent)
        if type(child) is not dict:
            child = obj[parent] = {}
        obj = child
    obj[last] = value


@SETTINGS
@given(st.data())
def test_any_value_anywhere_gives_the_precise_paths_outcome(data):
    shape, obj = valid_object(data.draw)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = NESTED_PATHS if shape == "nested" else FLAT_PATHS
        set_path(obj, data.draw(st.sampled_from(paths)), data.draw(ODD_VALUES))
    same_outcome(dumps(obj))


@SETTINGS
@given(st.data(), texts, JSON_VALUES)
def test_unknown_keys_give_the_precise_paths_outcome(data, key, value):
    _, obj = valid_object(data.draw)
    target = obj if data.draw(st.booleans()) or "comment" not in obj else obj["comment"]
    if isinstance(target, dict):
        target[key] = value
    same_outcome(dumps(obj))


@SETTINGS
@given(st.data(), st.binary(min_size=1, max_size=6))
def test_spliced_bytes_give_the_precise_paths_outcome(data, junk):
    _, obj = valid_object(data.draw)
    raw = orjson.dumps(obj)
    at = data.draw(st.integers(0, len(raw)))
    cut = data.draw(st.integers(at, min(len(raw), at + 8)))
    spliced = (raw[:at] + junk + raw[cut:]).strip()
    if spliced:
        same_outcome(spliced)


@SETTINGS
@given(st.data())
def test_truncated_lines_never_take_the_fast_path(data):
    _, obj = valid_object(data.draw)
    raw = orjson.dumps(obj)
    assert parse_fast(raw[: data.draw(st.integers(1, len(raw) - 1))]) is None


# Lines msgspec could take where orjson refuses them, or reads them differently: each must end
# as the precise path says (usually a precise rejection).
NESTED = (
    b'{"hotelId":5,"hotelName":"H","comment":{"hotelReviewId":1,"providerId":332,'
    b'"rating":7.5,"reviewDate":"2025-04-10T05:37:00+07:00"%s}%s}'
)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (NESTED % (b"", b',"extra":1e999'), RejectReason.NON_FINITE_NUMBER),
        (NESTED % (b',"extra":-1e400', b""), RejectReason.NON_FINITE_NUMBER),
        (NESTED % (b"", b',"overallByProviders":[{"overallScore":1e999}]'), None),
        (NESTED % (b"", b',"hotelAmenities":["wifi",1e999]'), None),
        (NESTED % (b"", b',"extra":"caf\xe9"'), RejectReason.INVALID_ENCODING),
        (NESTED % (b"", b',"caf\xe9":1'), RejectReason.INVALID_ENCODING),
        (NESTED % (b"", b',"extra":"\xed\xa0\x80"'), RejectReason.INVALID_ENCODING),
        (NESTED % (b"", b',"overallByProviders":"\xc0\x80"'), RejectReason.INVALID_ENCODING),
        (NESTED % (b"", b',"extra":' + b"[" * 1100 + b"]" * 1100), RejectReason.INVALID_JSON),
        (
            NESTED % (b"", b',"overallByProviders":' + b"[" * 1100 + b"]" * 1100),
            RejectReason.INVALID_JSON,
        ),
        (NESTED % (b"", b',"extra":' + b"9" * 400), RejectReason.NON_FINITE_NUMBER),
    ],
)
def test_what_orjson_refuses_is_not_taken_by_the_fast_path(raw, reason):
    assert parse_fast(raw) is None
    result = parse_line(raw)
    if reason is None:
        assert isinstance(result, Rejection) and result.reason is RejectReason.NON_FINITE_NUMBER
    else:
        assert isinstance(result, Rejection) and result.reason is reason, result


@pytest.mark.parametrize(
    ("hotel_id", "expected"),
    [
        (b"9223372036854775807", "9223372036854775807"),
        (b"9223372036854775808", "9223372036854775808"),  # orjson: still an int (u64)
        (b"18446744073709551616", "18446744073709551616"),  # orjson: a float, integral
        (b"123456789012345678901234567890", "123456789012345677877719597056"),
    ],
)
def test_huge_ids_are_read_as_orjson_reads_them(hotel_id, expected):
    raw = NESTED.replace(b'"hotelId":5', b'"hotelId":' + hotel_id) % (b"", b"")
    review = parse_line(raw)
    assert isinstance(review, NormalizedReview), review
    assert review.hotel.external_id == expected
    assert review == parse_precise(raw)


def test_duplicate_keys_keep_the_last_value_on_both_paths():
    raw = NESTED % (b',"rating":8.5', b',"hotelName":"Second"')
    review = parse_fast(raw)
    assert review is not None
    assert (review.rating, review.hotel.name) == (8.5, "Second")
    assert review == parse_precise(raw)


def test_a_snapshot_too_deep_for_orjson_inside_its_line_is_left_to_the_precise_path():
    deep = b"[" * 600 + b"]" * 600  # fine alone, and inside the line, but not worth the risk
    raw = NESTED % (b"", b',"overallByProviders":' + deep)
    assert parse_fast(raw) is None
    assert isinstance(parse_line(raw), NormalizedReview)
