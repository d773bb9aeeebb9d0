"""The nested OTA shape: {"hotelId", "hotelName", "comment": {...}, "overallByProviders": [...]}."""

from __future__ import annotations

from typing import Any

from hotelreviews.ingestion.shapes import dates
from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.hashing import build_review, nested_hashed_response
from hotelreviews.ingestion.shapes.records import (
    NormalizedReview,
    ProviderStanding,
    Rejection,
    hotel_response,
)
from hotelreviews.ingestion.shapes.refs import HotelKeys, hotel_attributes, hotel_ref, provider_ref

SCALE = 10.0
KNOWN_PROVIDERS = {"332": "Agoda", "333": "Expedia", "334": "Booking.com"}
_EMPTY: dict[str, Any] = {}
_COMMENT_TEXTS = (
    "reviewTitle",
    "reviewComments",
    "reviewPositives",
    "reviewNegatives",
    "responderName",
    # No sample carries the answer's text; these are the names other exports use for it.
    "responseText",
    "hotelResponse",
    "formattedResponseDate",
    "responseDateText",
)
_REVIEWER_TEXTS = ("roomTypeName", "countryName", "displayMemberName")
# Optional top-level hotel attributes (the OTA export has none; some feeds add them).
HOTEL_KEYS: HotelKeys = (
    "hotelCity",
    "hotelCountry",
    "hotelAddress",
    "hotelStarRating",
    "hotelLatitude",
    "hotelLongitude",
    "hotelAmenities",
)


def parse_nested(obj: dict[str, Any]) -> NormalizedReview | Rejection:
    """Validate and normalise one nested-shape object."""
    problems: f.Problems = []
    hotel_id = f.identifier(obj.get("hotelId"), "hotelId", problems)
    hotel_name = f.name(obj.get("hotelName"), "hotelName", problems)
    comment = obj.get("comment")
    if type(comment) is not dict:
        if comment is None:
            f.missing(problems, "comment")
        else:
            f.wrong_type(problems, "comment", "an object", comment)
        return f.reject(problems)
    review_id = f.identifier(comment.get("hotelReviewId"), "comment.hotelReviewId", problems)
    provider_id = f.identifier(comment.get("providerId"), "comment.providerId", problems)
    rating = f.number(comment.get("rating"), "comment.rating", problems, 1.0, SCALE)
    when = dates.review_date(comment.get("reviewDate"), "comment.reviewDate", problems)
    reviewer = comment.get("reviewerInfo")
    if type(reviewer) is not dict:
        reviewer = _EMPTY
    length_of_stay = f.lenient_int(
        reviewer.get("lengthOfStay"), "comment.reviewerInfo.lengthOfStay", problems, 0, 365
    )
    reviewed_count = f.lenient_int(
        reviewer.get("reviewerReviewedCount"),
        "comment.reviewerInfo.reviewerReviewedCount",
        problems,
        0,
        10**12,
    )
    attributes = hotel_attributes(tuple(map(obj.get, HOTEL_KEYS)), HOTEL_KEYS, problems)
    if problems:
        return f.reject(problems)

    snapshot = standings(obj.get("overallByProviders"))
    title, body, positives, negatives, responder, answer, alt_answer, responded_on, alt_on = (
        f.texts(comment, _COMMENT_TEXTS)
    )
    room_type, reviewer_country, reviewer_name = f.texts(reviewer, _REVIEWER_TEXTS)
    answer = answer or alt_answer
    shown = comment.get("isShowReviewResponse") is True
    responded_on = responded_on or alt_on
    # for type checkers: no problems recorded, so every required value is there
    assert when is not None and rating is not None
    assert review_id is not None and provider_id is not None
    assert hotel_id is not None and hotel_name is not None
    label = comment.get("reviewProviderText")
    return build_review(
        {
            "provider": provider_ref(
                provider_id, provider_name(provider_id, label, snapshot), SCALE
            ),
            "provider_review_id": review_id,
            "hotel": hotel_ref(hotel_id, hotel_name, attributes),
            "rating": rating,
            "rating_normalized": round(rating * 10.0 / SCALE, 2),
            "review_date": when[0],
            "review_date_offset_minutes": when[1],
            "review_date_offset_missing": when[2],
            "title": title,
            "text": body,
            "positives": positives,
            "negatives": negatives,
            "language": f.lowered(comment.get("translateSource")),
            "stay_month": dates.month_year(comment.get("checkInDateMonthAndYear")),
            "traveller_type": f.traveller_type(reviewer.get("reviewGroupName")),
            "room_type": room_type,
            "length_of_stay": length_of_stay,
            "reviewer_country": reviewer_country,
            "reviewer_name": reviewer_name,
            "reviewer_review_count": reviewed_count,
            "reviewer_is_expert": f.boolean(reviewer.get("isExpertReviewer")),
            "response": hotel_response(shown, responder, answer, responded_on),
            "aspects": {},
            "standings": snapshot,
            "hashed_response": nested_hashed_response(shown, responder, answer, responded_on),
        }
    )


def provider_name(
    provider_id: str, label: Any, standings: tuple[ProviderStanding, ...]
) -> str | None:
    """Name the review's provider: known ids first, then the snapshot, then the review's label."""
    known = KNOWN_PROVIDERS.get(provider_id)
    if known is not None:
        return known
    for standing in standings:
        if standing.provider.key == provider_id and standing.provider.name:
            return standing.provider.name
    # In the samples reviewProviderText names the review's own provider (334 -> "Booking.com"
    # in an Agoda file), so it is a usable last resort.
    return (label.strip() or None) if type(label) is str else None


def standings(entries: Any) -> tuple[ProviderStanding, ...]:
    """The hotel's per-provider snapshot; malformed entries and grades are skipped, not fatal."""
    if type(entries) is not list:
        return ()
    ignored: f.Problems = []  # out-of-range snapshot values are dropped, never reject the review
    found = []
    for entry in entries:
        if type(entry) is not dict:
            continue
        provider_id = f.identifier(entry.get("providerId"), "", ignored)
        if provider_id is None:
            continue
        label = f.text(entry.get("provider")) or KNOWN_PROVIDERS.get(provider_id)
        grades_in = entry.get("grades")
        grades = {}
        if type(grades_in) is dict:
            for grade, value in grades_in.items():
                if type(value) is float and 0.0 <= value <= SCALE:  # the usual case, kept cheap
                    grades[grade] = value
                else:
                    value = f.lenient_number(value, "", ignored, 0.0, SCALE)
                    if value is not None:
                        grades[grade] = value
        found.append(
            ProviderStanding(
                provider_ref(provider_id, label, SCALE),
                f.lenient_number(entry.get("overallScore"), "", ignored, 0.0, SCALE),
                f.lenient_int(entry.get("reviewCount"), "", ignored, 0, 10**12),
                grades,
            )
        )
    return tuple(found)
