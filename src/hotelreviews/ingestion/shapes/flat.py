"""The flat shape of a hotel group's own feed: {"id", "hotel_id", "hotel_name", "rating", ...}."""

from __future__ import annotations

from typing import Any

from hotelreviews.ingestion.shapes import dates
from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.hashing import build_review
from hotelreviews.ingestion.shapes.records import (
    HotelResponse,
    NormalizedReview,
    ProviderRef,
    Rejection,
    hotel_response,
)
from hotelreviews.ingestion.shapes.refs import HotelKeys, hotel_attributes, hotel_ref, provider_ref

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


def parse_flat(obj: dict[str, Any]) -> NormalizedReview | Rejection:
    """Validate and normalise one flat-shape object."""
    problems: f.Problems = []
    review_id = f.key_text(obj.get("id"), "id", problems)
    hotel_id = f.key_text(obj.get("hotel_id"), "hotel_id", problems)
    hotel_name = f.name(obj.get("hotel_name"), "hotel_name", problems)
    rating = f.number(obj.get("rating"), "rating", problems, 1.0, SCALE)
    body = f.required_text(obj.get("comment"), "comment", problems)
    when = dates.review_date(obj.get("review_date"), "review_date", problems)
    aspects = {}
    for field_name, aspect in ASPECT_FIELDS:
        value = f.lenient_number(obj.get(field_name), field_name, problems, 1.0, SCALE)
        if value is not None:
            aspects[aspect] = round(value * 10.0 / SCALE, 2)
    attributes = hotel_attributes(tuple(map(obj.get, HOTEL_KEYS)), HOTEL_KEYS, problems)
    if problems:
        return f.reject(problems)

    # for type checkers: no problems recorded, so every required value is there
    assert when is not None and rating is not None
    assert review_id is not None and hotel_id is not None and hotel_name is not None
    return build_review(
        {
            "provider": feed_provider(obj.get("source")),
            "provider_review_id": review_id,
            "hotel": hotel_ref(hotel_id, hotel_name, attributes),
            "rating": rating,
            "rating_normalized": round(rating * 10.0 / SCALE, 2),
            "review_date": when[0],
            "review_date_offset_minutes": when[1],
            "review_date_offset_missing": when[2],
            "title": f.text(obj.get("title")),
            "text": body,
            "positives": None,
            "negatives": None,
            "language": f.lowered(obj.get("language")),
            "stay_month": dates.stay_date(obj.get("stay_date")),
            "traveller_type": f.traveller_type(obj.get("trip_type")),
            "room_type": f.text(obj.get("room_type")),
            "length_of_stay": None,
            "reviewer_country": f.text(obj.get("reviewer_country")),
            "reviewer_name": f.text(obj.get("reviewer_name")),
            "reviewer_review_count": None,
            "reviewer_is_expert": None,
            "response": metadata_response(obj.get("metadata")),
            "aspects": aspects,
            "standings": (),
        }
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
