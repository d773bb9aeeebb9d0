"""The flat shape of a hotel group's own feed: {"id", "hotel_id", "hotel_name", "rating", ...}."""

from __future__ import annotations

from typing import Any

from hotelreviews.ingestion import dates
from hotelreviews.ingestion import fields as f
from hotelreviews.ingestion.hashing import build_review
from hotelreviews.ingestion.records import (
    HotelRef,
    NormalizedReview,
    ProviderRef,
    Rejection,
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
    hotel = _hotel(obj, hotel_id, hotel_name, problems)
    if problems:
        return f.reject(problems)

    assert when is not None and rating is not None  # for type checkers: no problems recorded
    source = obj.get("source")
    source = source.strip() if type(source) is str else ""
    return build_review(
        {
            "provider": ProviderRef("feed:" + (source or "direct"), source or "Direct feed", SCALE),
            "provider_review_id": review_id,
            "hotel": hotel,
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
            "response": None,
            "aspects": aspects,
            "standings": (),
        }
    )


def _hotel(
    obj: dict[str, Any], hotel_id: str | None, hotel_name: str | None, problems: f.Problems
) -> HotelRef | None:
    """The hotel attributes the line carries (range problems recorded in `problems`)."""
    stars = f.lenient_number(obj.get("hotel_star_rating"), "hotel_star_rating", problems, 0.0, 5.0)
    latitude = f.lenient_number(obj.get("hotel_latitude"), "hotel_latitude", problems, -90.0, 90.0)
    longitude = f.lenient_number(
        obj.get("hotel_longitude"), "hotel_longitude", problems, -180.0, 180.0
    )
    if hotel_id is None or hotel_name is None:
        return None
    amenities_in = obj.get("hotel_amenities")
    amenities = None
    if type(amenities_in) is list:
        # Non-string entries are feed noise; an empty list tells us nothing, so it stays unknown.
        amenities = tuple(item for item in amenities_in if type(item) is str and item) or None
    return HotelRef(
        external_id=hotel_id,
        name=hotel_name,
        city=f.text(obj.get("hotel_city")),
        country=f.text(obj.get("hotel_country")),
        address=f.text(obj.get("hotel_address")),
        stars=stars,
        latitude=latitude,
        longitude=longitude,
        amenities=amenities,
    )
