"""Content hash of a review: tells an unchanged re-delivery from an edited one."""

from __future__ import annotations

from datetime import date, datetime
from hashlib import blake2b
from typing import Any

import msgspec

from hotelreviews.ingestion.shapes.memo import on_ten_point_scale
from hotelreviews.ingestion.shapes.records import (
    HotelRef,
    HotelResponse,
    NormalizedReview,
    ProviderRef,
    ProviderStanding,
)

# The review's own content only. Hotel attributes and provider standings are left out on
# purpose: they change daily without the review changing. Bump the version tag whenever
# the hashed values or their serialisation change, so old and new hashes never compare equal.
# v2: blake2b-128 of the MessagePack (msgspec, sorted keys) of ["v2", [provider key, review
# id, rating, title, text, positives, negatives, language, review date, offset minutes, offset
# missing, stay month, traveller type, room type, length of stay, reviewer country, reviewer
# name, reviewer review count, reviewer is expert, response, aspects]]. (v1 was the same list
# as JSON written by orjson; MessagePack saves about 1 µs of the ~10 µs a line costs.)
_HASH_VERSION = "v2"
_encode = msgspec.msgpack.Encoder(order="sorted").encode
_SAME: Any = object()  # new_review's `hashed_response` default: hash the response itself


def nested_hashed_response(
    shown: bool, responder: str | None, text: str | None, responded_on: str | None
) -> Any:
    """What the hash holds for a nested line's response: the delivered values, as before issue 13.

    Before issue 13 a responder name alone made a response (Agoda names one on every review),
    and the hash held HotelResponse(responder, text, date) whenever any of them was given.
    Migration 0009 corrected the stored rows of those lines without touching their hashes, so
    the hash keeps that value: re-ingesting an old file then reports them unchanged, as they
    are. The exception is an answer shown without text: 0009 could only go by the stored text
    and cleared those, so their hash differs from before and the next delivery restores them.
    """
    if shown and not text:
        return ("shown", responder, responded_on)
    if responder or text:
        return HotelResponse(responder, text, responded_on)
    return None


class ReviewBasics(msgspec.Struct, frozen=True, gc=False):
    """The checked values every review has, whatever its shape: the first thing a shape hands
    new_review, built once per line (named as NormalizedReview names them).

    A record rather than more keywords: on Python 3.11 a call passing more than 15 keyword
    arguments takes a slow path (about 14,000 instructions a line for new_review's). A frozen
    msgspec Struct rather than a dataclass: it costs a fifth of the instructions to build.
    """

    provider: ProviderRef
    provider_review_id: str
    hotel: HotelRef
    rating: float  # as delivered, on provider.rating_scale
    review_date: datetime
    review_date_offset_minutes: int
    review_date_offset_missing: bool
    title: str | None
    text: str | None


def new_review(
    basics: ReviewBasics,
    *,
    rating_normalized: float | None = None,
    positives: str | None = None,
    negatives: str | None = None,
    language: str | None = None,
    stay_month: date | None = None,
    traveller_type: str | None = None,
    room_type: str | None = None,
    length_of_stay: int | None = None,
    reviewer_country: str | None = None,
    reviewer_name: str | None = None,
    reviewer_review_count: int | None = None,
    reviewer_is_expert: bool | None = None,
    response: HotelResponse | None = None,
    aspects: dict[str, float] | None = None,
    standings: tuple[ProviderStanding, ...] = (),
    hashed_response: Any = _SAME,
) -> NormalizedReview:
    """The NormalizedReview of these values, with its content hash (every shape builds its
    reviews here, on both parse paths).

    The values beyond `basics` are passed by name, as NormalizedReview names them; those a
    shape does not carry default to None (no aspects: an empty dict), and the normalised
    rating follows from the provider's rating scale. `hashed_response` replaces the response
    in the hash (see nested_hashed_response).
    """
    if rating_normalized is None:
        rating_normalized = on_ten_point_scale(basics.rating, basics.provider.rating_scale)
    if aspects is None:
        aspects = {}
    payload = _encode(
        (
            _HASH_VERSION,
            (
                basics.provider.key,  # the provider's key, not its display name or scale
                basics.provider_review_id,
                basics.rating,
                basics.title,
                basics.text,
                positives,
                negatives,
                language,
                basics.review_date,
                basics.review_date_offset_minutes,
                basics.review_date_offset_missing,
                stay_month,
                traveller_type,
                room_type,
                length_of_stay,
                reviewer_country,
                reviewer_name,
                reviewer_review_count,
                reviewer_is_expert,
                response if hashed_response is _SAME else hashed_response,
                aspects,
            ),
        )
    )
    return NormalizedReview(
        basics.provider,
        basics.provider_review_id,
        basics.hotel,
        basics.rating,
        rating_normalized,
        basics.review_date,
        basics.review_date_offset_minutes,
        basics.review_date_offset_missing,
        basics.title,
        basics.text,
        positives,
        negatives,
        language,
        stay_month,
        traveller_type,
        room_type,
        length_of_stay,
        reviewer_country,
        reviewer_name,
        reviewer_review_count,
        reviewer_is_expert,
        response,
        aspects,
        standings,
        blake2b(payload, digest_size=16).hexdigest(),
    )
