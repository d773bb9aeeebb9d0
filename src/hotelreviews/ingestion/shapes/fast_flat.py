"""The fast path for flat lines: a line decoded into `wire.FlatLine`, normalised.

Gives exactly the review flat_shape gives for the same line, or None when not sure (see
fast_nested, which works the same way).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from hotelreviews.ingestion.shapes import dates
from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.flat import (
    ASPECT_FIELDS,
    HOTEL_KEYS,
    SCALE,
    feed_provider,
    metadata_response,
)
from hotelreviews.ingestion.shapes.hashing import new_review
from hotelreviews.ingestion.shapes.memo import MISS, learn, number, on_ten_point_scale, remember
from hotelreviews.ingestion.shapes.records import HotelRef, NormalizedReview, ProviderRef
from hotelreviews.ingestion.shapes.refs import hotel_attributes, hotel_ref
from hotelreviews.ingestion.shapes.wire import FlatLine, raw_value

_SCALE = SCALE
_HOTEL_KEYS = HOTEL_KEYS
_ASPECT_NAMES = tuple(aspect for _, aspect in ASPECT_FIELDS)
_aspect_values = attrgetter(*(field_name for field_name, _ in ASPECT_FIELDS))
_instant = dates.instant
# Remembered by what the line says (see memo).
_hotels: dict[tuple[Any, ...], HotelRef] = {}
_feed_providers: dict[Any, ProviderRef] = {}


def parse_flat_line(line: FlatLine) -> NormalizedReview | None:
    """The review of a decoded flat line, exactly as flat_shape gives it; None if not sure."""
    problems: f.Problems = []  # any problem means "not sure": the precise path will report it
    review_id = _key_text(line.id)
    hotel_id = _key_text(line.hotel_id)
    hotel_name = line.hotel_name
    rating = line.rating
    if type(rating) is not float:
        rating = number(rating)
        if rating is None:
            return None
    if not 1.0 <= rating <= 5.0:
        return None
    when = _instant(line.review_date)
    aspects: dict[str, float] = {}
    for aspect, value in zip(_ASPECT_NAMES, _aspect_values(line), strict=True):
        if value is None:
            continue
        if type(value) is not float:
            value = number(value)
            if value is None:  # junk in an optional rating is dropped, as on the precise path
                continue
        if not 1.0 <= value <= 5.0:
            return None
        aspects[aspect] = on_ten_point_scale(value, _SCALE)
    hotel_key = (
        hotel_id,
        hotel_name,
        line.hotel_city,
        line.hotel_country,
        line.hotel_address,
        line.hotel_star_rating,
        line.hotel_latitude,
        line.hotel_longitude,
        bytes(line.hotel_amenities),
    )
    hotel = _hotels.get(hotel_key)
    if hotel is None:
        amenities = raw_value(hotel_key[-1])
        if amenities is MISS:
            return None
        attributes = hotel_attributes((*hotel_key[2:-1], amenities), _HOTEL_KEYS, problems)
    if problems or when is None or review_id is None or hotel_id is None:
        return None
    if not hotel_name.strip():
        return None
    if hotel is None:
        hotel = remember(_hotels, hotel_key, hotel_ref(hotel_id, hotel_name, attributes))
    provider = _feed_providers.get(line.source)
    if provider is None:
        provider = learn(_feed_providers, feed_provider, line.source)
    normalized = on_ten_point_scale(rating, _SCALE)

    return new_review(
        provider,
        review_id,
        hotel,
        rating,
        normalized,
        when[0],
        when[1],
        when[2],
        line.title or None,
        line.comment or None,
        None,
        None,
        f.lowered(line.language),
        dates.stay_date(line.stay_date),
        f.traveller_type(line.trip_type),
        line.room_type or None,
        None,
        line.reviewer_country or None,
        line.reviewer_name or None,
        None,
        None,
        metadata_response(line.metadata),
        aspects,
        (),
    )


def _key_text(value: int | str) -> str | None:
    """A flat-shape text id; None when empty (the precise path reports it)."""
    if type(value) is int:
        return str(value)
    return value if value.strip() else None
