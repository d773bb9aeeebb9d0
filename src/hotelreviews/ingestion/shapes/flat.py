"""The flat shape of a hotel group's own feed: {"id", "hotel_id", "hotel_name", "rating", ...}.

The shape's one definition, for both parse paths: its wire type `FlatLine` (the fast path,
msgspec), the key lists both paths read, `parse_object` (the precise path: an orjson object,
every problem named) and `parse_wire` (the fast path: a decoded FlatLine, None when not sure).
Both hand the values they checked to `_review`, which builds the review once for both.
"""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import Any

from msgspec import Raw

from hotelreviews.ingestion.shapes import dates
from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.hashing import ReviewBasics, new_review
from hotelreviews.ingestion.shapes.memo import learn, number, on_ten_point_scale
from hotelreviews.ingestion.shapes.records import (
    HotelRef,
    HotelResponse,
    NormalizedReview,
    ProviderRef,
    Rejection,
    hotel_response,
)
from hotelreviews.ingestion.shapes.refs import HotelKeys, hotel_attributes, hotel_ref, provider_ref
from hotelreviews.ingestion.shapes.wire import (
    I64,
    NULL,
    Number,
    Scalar,
    Wire,
    decoded_hotel,
    decoded_rating,
)

SCALE = 5.0
ASPECT_FIELDS = (
    ("service_rating", "service"),
    ("cleanliness_rating", "cleanliness"),
    ("location_rating", "location"),
    ("value_rating", "value"),
    ("comfort_rating", "comfort"),
    ("facilities_rating", "facilities"),
)
HOTEL_KEYS: HotelKeys = (
    "hotel_city",
    "hotel_country",
    "hotel_address",
    "hotel_star_rating",
    "hotel_latitude",
    "hotel_longitude",
    "hotel_amenities",
)
# Optional texts, taken as delivered (empty is None); "comment" is required but may be empty.
TEXT_KEYS = ("title", "comment", "room_type", "reviewer_country", "reviewer_name")
# Optional values read by converters that take any JSON value.
OTHER_KEYS = ("language", "stay_date", "trip_type", "metadata")


class FlatLine(Wire, kw_only=True):
    """A flat line as the fast path decodes it (see wire for why it is strict)."""

    id: I64 | str
    hotel_id: I64 | str
    hotel_name: str
    rating: Number
    comment: str
    review_date: str
    title: str | None = None
    stay_date: Scalar = None
    trip_type: Scalar = None
    room_type: str | None = None
    language: Scalar = None
    is_verified: Scalar = None
    helpful_votes: Scalar = None
    total_votes: Scalar = None
    reviewer_name: str | None = None
    reviewer_country: str | None = None
    hotel_address: str | None = None
    hotel_city: str | None = None
    hotel_country: str | None = None
    hotel_star_rating: Number | None = None
    hotel_amenities: Raw = NULL  # raw: part of a cache key
    hotel_latitude: Number | None = None
    hotel_longitude: Number | None = None
    service_rating: Number | None = None
    cleanliness_rating: Number | None = None
    location_rating: Number | None = None
    value_rating: Number | None = None
    comfort_rating: Number | None = None
    facilities_rating: Number | None = None
    source: Scalar = None
    # Free-form and unread: two levels of objects and arrays of scalars are accepted here.
    metadata: dict[str, Scalar | dict[str, Scalar] | list[Scalar]] | Scalar = None


def parse_object(obj: dict[str, Any]) -> NormalizedReview | Rejection:
    """The precise path: validate and normalise one flat-shape object, naming every problem."""
    problems: f.Problems = []
    review_id = f.key_text(obj.get("id"), "id", problems)
    hotel_id = f.key_text(obj.get("hotel_id"), "hotel_id", problems)
    hotel_name = f.name(obj.get("hotel_name"), "hotel_name", problems)
    rating = f.number(obj.get("rating"), "rating", problems, 1.0, SCALE)
    f.required_text(obj.get("comment"), "comment", problems)
    when = dates.review_date(obj.get("review_date"), "review_date", problems)
    aspects = {}
    for field_name, aspect in ASPECT_FIELDS:
        value = f.lenient_number(obj.get(field_name), field_name, problems, 1.0, SCALE)
        if value is not None:
            aspects[aspect] = on_ten_point_scale(value, SCALE)
    attributes = hotel_attributes(tuple(map(obj.get, HOTEL_KEYS)), HOTEL_KEYS, problems)
    if problems:
        return f.reject(problems)

    # for type checkers: no problems recorded, so every required value is there
    assert when is not None and rating is not None
    assert review_id is not None and hotel_id is not None and hotel_name is not None
    return _review(
        provider=feed_provider(obj.get("source")),
        hotel=hotel_ref(hotel_id, hotel_name, attributes),
        review_id=review_id,
        rating=rating,
        when=when,
        aspects=aspects,
        texts=f.texts(obj, TEXT_KEYS),
        others=map(obj.get, OTHER_KEYS),
    )


_texts_of = attrgetter(*TEXT_KEYS)
_others_of = attrgetter(*OTHER_KEYS)
_aspects_of = attrgetter(*(field_name for field_name, _ in ASPECT_FIELDS))
# The hotel's part of a line but its raw amenities: with them, the key of a decoded hotel.
_hotel_values_of = attrgetter("hotel_id", "hotel_name", *HOTEL_KEYS[:-1])
_ASPECT_NAMES = tuple(aspect for _, aspect in ASPECT_FIELDS)
# Remembered by what the line says (see memo).
_hotels: dict[tuple[Any, ...], HotelRef] = {}
_feed_providers: dict[Any, ProviderRef] = {}


def parse_wire(line: FlatLine) -> NormalizedReview | None:
    """The fast path: the review of a decoded flat line, as parse_object gives it; None if not sure.

    Any problem means "not sure": the precise path will report it.
    """
    review_id = _key_text(line.id)
    rating = decoded_rating(line.rating, SCALE)
    if rating is None:
        return None
    when = dates.instant(line.review_date)
    aspects: dict[str, float] = {}
    for aspect, value in zip(_ASPECT_NAMES, _aspects_of(line), strict=True):
        if value is None:
            continue
        if type(value) is not float:
            value = number(value)
            if value is None:  # junk in an optional rating is dropped, as on the precise path
                continue
        if not 1.0 <= value <= SCALE:
            return None
        aspects[aspect] = on_ten_point_scale(value, SCALE)
    hotel_key = (*_hotel_values_of(line), bytes(line.hotel_amenities))
    hotel = _hotels.get(hotel_key)
    if hotel is None:
        hotel = decoded_hotel(_hotels, hotel_key, _key_text(line.hotel_id), HOTEL_KEYS)
    if hotel is None or when is None or review_id is None:
        return None
    provider = _feed_providers.get(line.source)
    if provider is None:
        provider = learn(_feed_providers, feed_provider, line.source)
    return _review(
        provider=provider,
        hotel=hotel,
        review_id=review_id,
        rating=rating,
        when=when,
        aspects=aspects,
        texts=_texts_of(line),
        others=_others_of(line),
    )


def _key_text(value: int | str) -> str | None:
    """A decoded text id, as fields.key_text reads it; None when empty."""
    if type(value) is int:
        return str(value)
    return value if value.strip() else None


def _review(
    *,
    provider: ProviderRef,
    hotel: HotelRef,
    review_id: str,
    rating: float,
    when: tuple[datetime, int, bool],
    aspects: dict[str, float],
    texts: Any,
    others: Any,
) -> NormalizedReview:
    """The review of a checked flat line; `texts` and `others` are its TEXT_KEYS and OTHER_KEYS
    values (texts already str or None, as both paths deliver them)."""
    title, body, room_type, reviewer_country, reviewer_name = texts
    language, stay_date, trip_type, metadata = others
    basics = ReviewBasics(provider, review_id, hotel, rating, *when, title or None, body or None)
    return new_review(
        basics,
        language=f.lowered(language),
        stay_month=dates.stay_date(stay_date),
        traveller_type=f.traveller_type(trip_type),
        room_type=room_type or None,
        reviewer_country=reviewer_country or None,
        reviewer_name=reviewer_name or None,
        response=metadata_response(metadata),
        aspects=aspects,
    )


_RESPONSE_TEXTS = ("responder", "text", "date")


def metadata_response(metadata: Any) -> HotelResponse | None:
    """The hotel's answer in `metadata.hotel_response` ({"text", "responder", "date"}), if any.

    The flat feed has no "shown" flag: an answer exists when its text is non-empty. Anything
    that is not an object is no answer (metadata is free-form and never rejects a line).
    """
    if type(metadata) is not dict:
        return None
    answer = metadata.get("hotel_response")
    if type(answer) is not dict:
        return None
    responder, text, responded_on = f.texts(answer, _RESPONSE_TEXTS)
    return hotel_response(False, responder, text, responded_on)


def feed_provider(source: Any) -> ProviderRef:
    """The flat feed's provider: its `source`, or "direct" when it names none."""
    source = source.strip() if type(source) is str else ""
    return provider_ref("feed:" + (source or "direct"), source or "Direct feed", SCALE)
