"""Turning normalised records into table rows: the last step before the SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import orjson

from hotelreviews.ingestion.shapes.records import (
    HotelRef,
    NormalizedReview,
    Rejection,
    RejectReason,
)
from hotelreviews.ingestion.writing.batch import ReviewKey
from hotelreviews.ingestion.writing.summaries import Contribution
from hotelreviews.ingestion.writing.upserts import REVIEW_COLUMNS

EXCERPT_BYTES = 500
MAX_ID_LENGTH = 128


def storability_problem(review: NormalizedReview) -> Rejection | None:
    """A valid review our columns can't hold faithfully (identities are never truncated)."""
    for field_name, value in (
        ("review id", review.provider_review_id),
        ("hotel id", review.hotel.external_id),
    ):
        if len(value) > MAX_ID_LENGTH:
            return Rejection(
                RejectReason.OUT_OF_RANGE,
                f"{field_name} is {len(value)} characters long; at most {MAX_ID_LENGTH} are kept",
            )
    return None


def _clean(value: str | None, limit: int | None = None) -> str | None:
    # PostgreSQL text can't hold NUL characters; bounded columns keep their first characters.
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value[:limit] if limit is not None else value


# The order review_row builds its tuples in; checked against the table at import.
_ROW_ORDER = (
    "provider_id", "provider_review_id", "hotel_id", "rating", "rating_scale",
    "rating_normalized", "title", "text", "positives", "negatives", "language", "review_date",
    "review_date_offset_minutes", "review_date_offset_missing", "stay_month", "traveller_type",
    "room_type", "length_of_stay", "reviewer_country", "reviewer_name", "reviewer_review_count",
    "reviewer_is_expert", "has_response", "response_responder", "response_text",
    "response_date_text", "aspects", "content_hash", "first_seen_at", "last_changed_at",
    "source_file_id",
)  # fmt: skip
if _ROW_ORDER != REVIEW_COLUMNS:
    raise RuntimeError("rows.review_row is out of step with the reviews table's columns")


def review_row(
    *, key: ReviewKey, review: NormalizedReview, hotel_id: int, run_id: int, now: datetime
) -> tuple[Any, ...]:
    """A row (a tuple in REVIEW_COLUMNS order) for the bulk load of a review's latest version."""
    # A tuple built in one go: this runs for every review, so no intermediate dict.
    response = review.response
    return (
        key[0],
        key[1],
        hotel_id,
        review.rating,
        review.provider.rating_scale,
        review.rating_normalized,
        _clean(review.title),
        _clean(review.text),
        _clean(review.positives),
        _clean(review.negatives),
        _clean(review.language, 16),
        review.review_date,
        review.review_date_offset_minutes,
        review.review_date_offset_missing,
        review.stay_month,
        _clean(review.traveller_type, 16),
        _clean(review.room_type, 300),
        review.length_of_stay,
        _clean(review.reviewer_country, 200),
        _clean(review.reviewer_name, 200),
        review.reviewer_review_count,
        review.reviewer_is_expert,
        response is not None,
        _clean(response.responder, 300) if response else None,
        _clean(response.text) if response else None,
        _clean(response.responded_on, 100) if response else None,
        # As JSON text, the form both bulk loads send (asyncpg's binary COPY takes jsonb so).
        orjson.dumps(review.aspects).decode(),
        review.content_hash,
        now,
        now,
        run_id,
    )


def contribution(*, key: ReviewKey, review: NormalizedReview, hotel_id: int) -> Contribution:
    return Contribution(
        hotel_id=hotel_id,
        provider_id=key[0],
        rating_normalized=review.rating_normalized,
        traveller_type=review.traveller_type,
        aspects=review.aspects,
        review_date=review.review_date,
    )


def clean_hotel(ref: HotelRef) -> HotelRef:
    return replace(
        ref,
        name=_clean(ref.name, 300) or "",
        city=_clean(ref.city, 200),
        country=_clean(ref.country, 200),
        address=_clean(ref.address, 500),
    )


def merge_hotel(known: HotelRef | None, seen: HotelRef) -> HotelRef:
    """What the store holds after upserting `seen` over `known`: missing attributes are kept."""
    if known is None:
        return seen
    return HotelRef(
        external_id=seen.external_id,
        name=seen.name,
        **{
            name: getattr(seen, name) if getattr(seen, name) is not None else getattr(known, name)
            for name in (
                "city",
                "country",
                "address",
                "stars",
                "latitude",
                "longitude",
                "amenities",
            )
        },
    )


def standing_row(
    *,
    hotel_id: int,
    provider_id: int,
    as_of: date,
    score: float | None,
    review_count: int | None,
    grades: dict[str, float],
) -> dict[str, Any]:
    return {
        "hotel_id": hotel_id,
        "provider_id": provider_id,
        "as_of": as_of,
        "score": score,
        "review_count": review_count,
        "grades": dict(grades),
    }


def rejection_row(*, line_number: int, rejection: Rejection, raw: bytes) -> dict[str, Any]:
    return {
        "line_number": line_number,
        "reason": str(rejection.reason),
        "message": _clean(rejection.message) or "",
        "excerpt": excerpt(raw),
    }


def excerpt(raw: bytes) -> str:
    """At most EXCERPT_BYTES bytes of a line, as valid text (undecodable bytes replaced)."""
    text = raw[:EXCERPT_BYTES].decode("utf-8", "replace").replace("\x00", "\\u0000")
    while len(text.encode()) > EXCERPT_BYTES:
        text = text[:-1]
    return text
