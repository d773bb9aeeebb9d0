"""Property-based tests: generated valid lines parse to exactly what was generated, broken lines
are always rejected with a reason, and no input makes parse_line raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import msgspec
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotelreviews.ingestion.shapes.parsing import parse_line
from hotelreviews.ingestion.shapes.records import (
    HotelRef,
    HotelResponse,
    NormalizedReview,
    ProviderRef,
    ProviderStanding,
    Rejection,
    RejectReason,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ABSENT = object()  # the field is left out of the generated line
KNOWN_PROVIDERS = {332: "Agoda", 333: "Expedia", 334: "Booking.com"}
MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
TRAVELLER_LABELS = [
    ("Solo traveler", "solo"), ("Couple", "couple"), ("Family with young children", "family"),
    ("Family with teens", "family"), ("Group", "group"), ("Business traveler", "business"),
    ("business", "business"), ("Friends", "other"), ("", None),
]  # fmt: skip

texts = st.text(max_size=40)
names = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
optional_texts = st.one_of(st.just(ABSENT), st.none(), st.just(""), texts)


def put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not ABSENT:
        target[key] = value


def text_or_none(value: Any) -> str | None:
    """The documented rule for optional text: kept as given, empty or missing is None."""
    return value if isinstance(value, str) and value else None


def sometimes_string(draw: st.DrawFn, value: int | float) -> int | float | str:
    """Numbers sometimes arrive as strings; repr round-trips floats exactly."""
    return repr(value) if draw(st.booleans()) else value


@st.composite
def review_dates(draw: st.DrawFn) -> tuple[str, tuple[datetime, int, bool]]:
    """(text as delivered, (expected UTC datetime, offset minutes, offset missing))."""
    local = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31)))
    style = draw(st.sampled_from(["offset", "z", "naive", "date-only"]))
    if style == "offset":
        minutes = draw(st.integers(-14 * 60, 14 * 60))
        aware = local.replace(tzinfo=timezone(timedelta(minutes=minutes)))
        return aware.isoformat(), (aware.astimezone(UTC), minutes, False)
    if style == "z":
        return local.isoformat() + "Z", (local.replace(tzinfo=UTC), 0, False)
    if style == "naive":
        return local.isoformat(), (local.replace(tzinfo=UTC), 0, True)
    day = local.date()
    return day.isoformat(), (datetime(day.year, day.month, day.day, tzinfo=UTC), 0, True)


@st.composite
def standings(draw: st.DrawFn) -> tuple[list[dict[str, Any]], tuple[ProviderStanding, ...]]:
    entries, expected = [], []
    for _ in range(draw(st.integers(0, 3))):
        provider_id = draw(st.sampled_from([332, 333, 334]) | st.integers(0, 10**6))
        label = draw(optional_texts)
        score = draw(st.just(ABSENT) | st.floats(0.0, 10.0))
        count = draw(st.just(ABSENT) | st.integers(0, 10**7))
        grades = draw(st.dictionaries(texts, st.floats(0.0, 10.0), max_size=4))
        entry = {"providerId": provider_id, "grades": grades}
        put(entry, "provider", label)
        put(entry, "overallScore", score)
        put(entry, "reviewCount", count)
        entries.append(entry)
        name = text_or_none(label) or KNOWN_PROVIDERS.get(provider_id)
        expected.append(
            ProviderStanding(
                provider=ProviderRef(str(provider_id), name, 10.0),
                score=None if score is ABSENT else score,
                review_count=None if count is ABSENT else count,
                grades=grades,
            )
        )
    return entries, tuple(expected)


NESTED_HOTEL_KEYS = ("hotelCity", "hotelCountry", "hotelAddress", "hotelStarRating",
                     "hotelLatitude", "hotelLongitude", "hotelAmenities")  # fmt: skip


@dataclass
class HotelAttributes:
    line: dict[str, Any]  # the keys to put in the line
    expected: tuple[Any, ...]  # city, country, address, stars, latitude, longitude, amenities


@st.composite
def hotel_attributes(draw: st.DrawFn, keys: tuple[str, ...]) -> HotelAttributes:
    """Optional hotel attributes under `keys`: valid values, null, or left out."""
    line: dict[str, Any] = {}
    expected: list[Any] = []
    for key in keys[:3]:
        value = draw(optional_texts)
        put(line, key, value)
        expected.append(text_or_none(value))
    ranges = [(0.0, 5.0), (-90.0, 90.0), (-180.0, 180.0)]
    for key, (low, high) in zip(keys[3:6], ranges, strict=True):
        value = draw(st.just(ABSENT) | st.none() | st.floats(low, high) | st.integers(int(low), 5))
        put(line, key, value if value in (ABSENT, None) else sometimes_string(draw, value))
        expected.append(None if value in (ABSENT, None) else float(value))
    amenities = draw(st.just(ABSENT) | st.none() | st.lists(names, max_size=4))
    put(line, keys[6], amenities)
    expected.append(tuple(amenities) if amenities not in (ABSENT, None, []) else None)
    return HotelAttributes(line, tuple(expected))


@st.composite
def nested_lines(draw: st.DrawFn) -> tuple[bytes, NormalizedReview]:
    """A valid nested-shape line and the review it must give (content_hash left empty)."""
    hotel_id = draw(st.integers(0, 10**15))
    review_id = draw(st.integers(0, 10**15))
    provider_id = draw(st.sampled_from([332, 333, 334]) | st.integers(0, 10**6))
    rating = draw(st.floats(1.0, 10.0) | st.integers(1, 10))
    hotel_name = draw(names)
    date_text, (when, offset, offset_missing) = draw(review_dates())
    comment: dict[str, Any] = {
        "hotelReviewId": sometimes_string(draw, review_id),
        "providerId": sometimes_string(draw, provider_id),
        "rating": sometimes_string(draw, rating),
        "reviewDate": date_text,
    }
    optional = {
        key: draw(optional_texts)
        for key in (
            "reviewTitle", "reviewComments", "reviewPositives", "reviewNegatives",
            "responderName", "responseText", "formattedResponseDate", "reviewProviderText",
        )
    }  # fmt: skip
    for key, value in optional.items():
        put(comment, key, value)
    language = draw(st.just(ABSENT) | st.sampled_from(["en", "VI", " de ", ""]))
    put(comment, "translateSource", language)
    shown = draw(st.just(ABSENT) | st.booleans())
    put(comment, "isShowReviewResponse", shown)
    stay = draw(st.none() | st.tuples(st.integers(1, 12), st.integers(1990, 2100)))
    if stay:
        comment["checkInDateMonthAndYear"] = f"{MONTH_NAMES[stay[0] - 1]} {stay[1]}"
    reviewer: dict[str, Any] = {}
    label, traveller = draw(st.sampled_from(TRAVELLER_LABELS))
    reviewer["reviewGroupName"] = label
    length = draw(st.just(ABSENT) | st.integers(0, 365))
    put(reviewer, "lengthOfStay", length if length is ABSENT else sometimes_string(draw, length))
    count = draw(st.just(ABSENT) | st.integers(0, 10**6))
    put(reviewer, "reviewerReviewedCount", count)
    expert = draw(st.just(ABSENT) | st.booleans())
    put(reviewer, "isExpertReviewer", expert)
    reviewer_texts = {key: draw(optional_texts) for key in ("roomTypeName", "countryName")}
    reviewer.update({k: v for k, v in reviewer_texts.items() if v is not ABSENT})
    comment["reviewerInfo"] = reviewer
    snapshot, expected_standings = draw(standings())
    obj = {"hotelId": sometimes_string(draw, hotel_id), "hotelName": hotel_name, "comment": comment}
    if snapshot or draw(st.booleans()):
        obj["overallByProviders"] = snapshot
    hotel = draw(hotel_attributes(NESTED_HOTEL_KEYS))
    obj.update(hotel.line)

    responder = text_or_none(optional["responderName"])
    answer = text_or_none(optional["responseText"])
    response = None
    if shown is True or answer:  # a responder alone is no answer (Agoda names one on every review)
        response = HotelResponse(responder, answer, text_or_none(optional["formattedResponseDate"]))
    provider_key = str(provider_id)
    provider_name = KNOWN_PROVIDERS.get(provider_id) or next(
        (s.provider.name for s in expected_standings
         if s.provider.key == provider_key and s.provider.name),
        None,
    )  # fmt: skip
    if provider_name is None and isinstance(optional["reviewProviderText"], str):
        provider_name = optional["reviewProviderText"].strip() or None
    expected = NormalizedReview(
        provider=ProviderRef(provider_key, provider_name, 10.0),
        provider_review_id=str(review_id),
        hotel=HotelRef(str(hotel_id), hotel_name, *hotel.expected),
        rating=float(rating),
        rating_normalized=round(float(rating) * 10 / 10, 2),
        review_date=when,
        review_date_offset_minutes=offset,
        review_date_offset_missing=offset_missing,
        title=text_or_none(optional["reviewTitle"]),
        text=text_or_none(optional["reviewComments"]),
        positives=text_or_none(optional["reviewPositives"]),
        negatives=text_or_none(optional["reviewNegatives"]),
        language=language.strip().lower() or None if isinstance(language, str) else None,
        stay_month=date(stay[1], stay[0], 1) if stay else None,
        traveller_type=traveller,
        room_type=text_or_none(reviewer_texts["roomTypeName"]),
        length_of_stay=None if length is ABSENT else length,
        reviewer_country=text_or_none(reviewer_texts["countryName"]),
        reviewer_name=None,
        reviewer_review_count=None if count is ABSENT else count,
        reviewer_is_expert=None if expert is ABSENT else expert,
        response=response,
        aspects={},
        standings=expected_standings,
    )
    return orjson.dumps(obj), expected


ASPECTS = {
    "service_rating": "service", "cleanliness_rating": "cleanliness",
    "location_rating": "location", "value_rating": "value",
    "comfort_rating": "comfort", "facilities_rating": "facilities",
}  # fmt: skip


@st.composite
def flat_lines(draw: st.DrawFn) -> tuple[bytes, NormalizedReview]:
    """A valid flat-shape line and the review it must give (content_hash left empty)."""
    review_id = draw(names | st.integers(0, 10**9))
    hotel_id = draw(names | st.integers(0, 10**9))
    hotel_name = draw(names)
    rating = draw(st.floats(1.0, 5.0) | st.integers(1, 5))
    comment = draw(st.just("") | texts)
    date_text, (when, offset, offset_missing) = draw(review_dates())
    obj: dict[str, Any] = {
        "id": review_id, "hotel_id": hotel_id, "hotel_name": hotel_name,
        "rating": sometimes_string(draw, rating), "comment": comment, "review_date": date_text,
    }  # fmt: skip
    optional = {
        key: draw(optional_texts)
        for key in (
            "title", "room_type", "reviewer_name", "reviewer_country",
            "hotel_address", "hotel_city", "hotel_country", "source",
        )
    }  # fmt: skip
    for key, value in optional.items():
        put(obj, key, value)
    label, traveller = draw(st.sampled_from(TRAVELLER_LABELS))
    obj["trip_type"] = label
    language = draw(st.just(ABSENT) | st.sampled_from(["en", "PT", " fr", ""]))
    put(obj, "language", language)
    stay = draw(st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
    if stay:
        obj["stay_date"] = stay.isoformat()
    aspects = {}
    for field_name, aspect in ASPECTS.items():
        value = draw(st.just(ABSENT) | st.none() | st.floats(1.0, 5.0) | st.integers(1, 5))
        if value is not ABSENT:
            obj[field_name] = value if value is None else sometimes_string(draw, value)
        if value not in (ABSENT, None):
            aspects[aspect] = round(float(value) * 10 / 5, 2)
    stars = draw(st.just(ABSENT) | st.floats(0.0, 5.0))
    latitude = draw(st.just(ABSENT) | st.floats(-90.0, 90.0))
    longitude = draw(st.just(ABSENT) | st.floats(-180.0, 180.0))
    amenities = draw(st.just(ABSENT) | st.lists(names, max_size=4))
    put(obj, "hotel_star_rating", stars)
    put(obj, "hotel_latitude", latitude)
    put(obj, "hotel_longitude", longitude)
    put(obj, "hotel_amenities", amenities)
    obj["is_verified"] = draw(st.booleans())
    obj["metadata"] = draw(st.dictionaries(texts, texts, max_size=2))
    answer = {key: draw(optional_texts) for key in ("responder", "text", "date")}
    response = None
    if draw(st.booleans()):
        obj["metadata"]["hotel_response"] = {k: v for k, v in answer.items() if v is not ABSENT}
        if text_or_none(answer["text"]):  # the flat feed has no "shown" flag: the text decides
            response = HotelResponse(*map(text_or_none, answer.values()))  # in field order

    source = optional["source"].strip() if isinstance(optional["source"], str) else ""
    expected = NormalizedReview(
        provider=ProviderRef("feed:" + (source or "direct"), source or "Direct feed", 5.0),
        provider_review_id=str(review_id),
        hotel=HotelRef(
            external_id=str(hotel_id),
            name=hotel_name,
            city=text_or_none(optional["hotel_city"]),
            country=text_or_none(optional["hotel_country"]),
            address=text_or_none(optional["hotel_address"]),
            stars=None if stars is ABSENT else stars,
            latitude=None if latitude is ABSENT else latitude,
            longitude=None if longitude is ABSENT else longitude,
            amenities=tuple(amenities) if amenities not in (ABSENT, []) else None,
        ),
        rating=float(rating),
        rating_normalized=round(float(rating) * 10 / 5, 2),
        review_date=when,
        review_date_offset_minutes=offset,
        review_date_offset_missing=offset_missing,
        title=text_or_none(optional["title"]),
        text=text_or_none(comment),
        language=language.strip().lower() or None if isinstance(language, str) else None,
        stay_month=stay.replace(day=1) if stay else None,
        traveller_type=traveller,
        room_type=text_or_none(optional["room_type"]),
        reviewer_country=text_or_none(optional["reviewer_country"]),
        reviewer_name=text_or_none(optional["reviewer_name"]),
        response=response,
        aspects=aspects,
    )
    return orjson.dumps(obj), expected


def parse_valid(raw: bytes) -> NormalizedReview:
    result = parse_line(raw)
    assert isinstance(result, NormalizedReview), result
    assert len(result.content_hash) == 32 and int(result.content_hash, 16) >= 0
    return result


@SETTINGS
@given(nested_lines())
def test_valid_nested_lines_parse_to_exactly_what_was_generated(case):
    raw, expected = case
    result = parse_valid(raw)
    assert result == NormalizedReview(**{**vars_of(expected), "content_hash": result.content_hash})


@SETTINGS
@given(flat_lines())
def test_valid_flat_lines_parse_to_exactly_what_was_generated(case):
    raw, expected = case
    result = parse_valid(raw)
    assert result == NormalizedReview(**{**vars_of(expected), "content_hash": result.content_hash})


def vars_of(review: NormalizedReview) -> dict[str, Any]:
    return msgspec.structs.asdict(review)


@SETTINGS
@given(nested_lines() | flat_lines())
def test_parsing_is_deterministic_and_crlf_bom_and_padding_do_not_matter(case):
    raw, _ = case
    first = parse_valid(raw)
    assert parse_line(raw) == first
    assert parse_line(b"\xef\xbb\xbf  " + raw + b" \r") == first


# --- broken lines --------------------------------------------------------------------------

NESTED_REQUIRED = ["hotelId", "hotelName", "comment.hotelReviewId", "comment.providerId",
                   "comment.rating", "comment.reviewDate"]  # fmt: skip
FLAT_REQUIRED = ["id", "hotel_id", "hotel_name", "rating", "comment", "review_date"]


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for parent in parents:
        obj = obj[parent]
    if value is ABSENT:
        del obj[last]
    else:
        obj[last] = value


def rejection_of(raw: bytes) -> Rejection:
    result = parse_line(raw)
    assert isinstance(result, Rejection), result
    assert result.message.strip()
    return result


def valid_object(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    shape = draw(st.sampled_from(["nested", "flat"]))
    raw, _ = draw(nested_lines() if shape == "nested" else flat_lines())
    return shape, orjson.loads(raw)


@SETTINGS
@given(st.data())
def test_a_missing_or_null_required_field_is_rejected_naming_it(data):
    shape, obj = valid_object(data.draw)
    path = data.draw(st.sampled_from(NESTED_REQUIRED if shape == "nested" else FLAT_REQUIRED))
    set_path(obj, path, data.draw(st.sampled_from([ABSENT, None])))
    rejection = rejection_of(orjson.dumps(obj))
    assert rejection.reason is RejectReason.MISSING_FIELD
    assert rejection.message == f"{path} is missing"


WRONG_VALUES = st.one_of(
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(texts, st.integers(0, 9), max_size=2),
    st.booleans(),
)
NOT_NUMBERS = st.text(alphabet="abcxyz ,/", min_size=1, max_size=10)


@SETTINGS
@given(st.data())
def test_a_required_field_of_the_wrong_type_is_rejected_naming_it(data):
    shape, obj = valid_object(data.draw)
    if shape == "nested":
        path = data.draw(st.sampled_from(NESTED_REQUIRED))
        numeric = path in (
            "hotelId",
            "comment.hotelReviewId",
            "comment.providerId",
            "comment.rating",
        )
    else:
        path = data.draw(st.sampled_from(["hotel_name", "rating", "comment", "review_date"]))
        numeric = path == "rating"
    value = data.draw(WRONG_VALUES | NOT_NUMBERS if numeric else WRONG_VALUES)
    set_path(obj, path, value)
    rejection = rejection_of(orjson.dumps(obj))
    assert rejection.reason is RejectReason.WRONG_TYPE
    assert rejection.message.startswith(f"{path} must be ")


@SETTINGS
@given(st.data())
def test_a_rating_out_of_range_is_rejected_stating_the_range(data):
    shape, obj = valid_object(data.draw)
    high = 10.0 if shape == "nested" else 5.0
    rating = data.draw(
        st.floats(max_value=1.0, exclude_max=True, allow_nan=False, allow_infinity=False)
        | st.floats(min_value=high, exclude_min=True, allow_nan=False, allow_infinity=False)
    )
    set_path(obj, "comment.rating" if shape == "nested" else "rating", rating)
    rejection = rejection_of(orjson.dumps(obj))
    assert rejection.reason is RejectReason.OUT_OF_RANGE
    assert f"out of range 1–{int(high)}" in rejection.message


BAD_DATES = st.one_of(
    st.sampled_from(["yesterday", "2025-13-01", "2025-02-30", "10/04/2025", "2025-04-10T25:00",
                     "2025-04-10T05:37:00+25:00", "April 10, 2025", ""]),
    st.text(alphabet="abcdefghij :/", max_size=30),
)  # fmt: skip


@SETTINGS
@given(st.data(), BAD_DATES)
def test_an_unparseable_date_is_rejected_quoting_it(data, bad_date):
    shape, obj = valid_object(data.draw)
    set_path(obj, "comment.reviewDate" if shape == "nested" else "review_date", bad_date)
    rejection = rejection_of(orjson.dumps(obj))
    assert rejection.reason is RejectReason.INVALID_DATE
    assert f'"{bad_date}"' in rejection.message


@SETTINGS
@given(st.data(), st.dates(max_value=date(1989, 12, 31)) | st.dates(min_value=date(2101, 1, 1)))
def test_a_date_outside_the_plausible_years_is_out_of_range(data, day):
    shape, obj = valid_object(data.draw)
    set_path(obj, "comment.reviewDate" if shape == "nested" else "review_date", day.isoformat())
    assert rejection_of(orjson.dumps(obj)).reason is RejectReason.OUT_OF_RANGE


@SETTINGS
@given(st.data())
def test_a_truncated_line_is_always_rejected_as_bad_json_or_encoding(data):
    _, obj = valid_object(data.draw)
    raw = orjson.dumps(obj)
    cut = raw[: data.draw(st.integers(1, len(raw) - 1))]
    if cut.strip():
        assert rejection_of(cut).reason in (
            RejectReason.INVALID_JSON,
            RejectReason.INVALID_ENCODING,
        )


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | texts
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=10,
)


@SETTINGS
@given(JSON_SCALARS | st.lists(JSON_VALUES, max_size=3))
def test_any_json_value_but_an_object_is_not_an_object(value):
    rejection = rejection_of(orjson.dumps(value))
    assert rejection.reason is RejectReason.NOT_AN_OBJECT


@SETTINGS
@given(st.dictionaries(texts.filter(lambda k: k not in {"hotelId", "comment", "id", "hotel_id"}),
                       JSON_VALUES, max_size=5))  # fmt: skip
def test_an_object_of_neither_shape_is_an_unknown_shape(obj):
    assert rejection_of(orjson.dumps(obj)).reason is RejectReason.UNKNOWN_SHAPE


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_make_the_parser_raise(raw):
    result = parse_line(raw)
    assert result is None or isinstance(result, NormalizedReview | Rejection)
    if isinstance(result, Rejection):
        assert result.message.strip()


@SETTINGS
@given(st.dictionaries(st.sampled_from(["hotelId", "hotelName", "comment", "id", "hotel_id",
                                        "hotel_name", "rating", "review_date", "source"])
                       | texts, JSON_VALUES, max_size=8))  # fmt: skip
def test_arbitrary_objects_with_the_shape_keys_never_make_the_parser_raise(obj):
    result = parse_line(orjson.dumps(obj))
    assert isinstance(result, NormalizedReview | Rejection)
    if isinstance(result, Rejection):
        assert result.message.strip()


@SETTINGS
@given(st.data(), st.binary(min_size=1, max_size=4))
def test_stray_bytes_spliced_into_a_valid_line_never_make_the_parser_raise(data, junk):
    _, obj = valid_object(data.draw)
    raw = orjson.dumps(obj)
    at = data.draw(st.integers(0, len(raw)))
    result = parse_line(raw[:at] + junk + raw[at:])
    assert result is None or isinstance(result, NormalizedReview | Rejection)
