"""The values one provider line turns into: a normalised review, or a rejection.

The parser produces these; the storage layer writes them. Nothing here touches I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import msgspec


class RejectReason(StrEnum):
    """Stable reason codes for a rejected line (stored, reported and counted by code)."""

    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_SHAPE = "unknown_shape"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    OUT_OF_RANGE = "out_of_range"
    INVALID_DATE = "invalid_date"
    NON_FINITE_NUMBER = "non_finite_number"
    LINE_TOO_LONG = "line_too_long"
    INVALID_ENCODING = "invalid_encoding"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one line could not be used; `message` is written for the person fixing the feed."""

    reason: RejectReason
    message: str


@dataclass(frozen=True, slots=True)
class ProviderRef:
    """A review provider as a feed names it. `key` is stable and unique across shapes."""

    key: str  # nested shape: str(providerId), e.g. "332"; flat shape: "feed:<source>"
    name: str | None  # "Agoda", "Booking.com", ... when the line tells us
    rating_scale: float  # 10.0 for OTAs, 5.0 for the flat feed


@dataclass(frozen=True, slots=True)
class HotelRef:
    """A hotel as a line describes it; unknown attributes are None (never overwrite known ones)."""

    external_id: str  # the feed's hotel id, as text ("10984", "GH-SIN-01")
    name: str
    city: str | None = None
    country: str | None = None
    address: str | None = None
    stars: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    amenities: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProviderStanding:
    """A hotel's standing on one provider in a line's `overallByProviders` snapshot."""

    provider: ProviderRef
    score: float | None
    review_count: int | None
    grades: dict[str, float]  # grade name as delivered -> value on the provider's scale


@dataclass(frozen=True, slots=True)
class HotelResponse:
    responder: str | None
    text: str | None
    responded_on: str | None  # as delivered (free text such as "April 12, 2025")


def hotel_response(
    shown: bool, responder: str | None, text: str | None, responded_on: str | None
) -> HotelResponse | None:
    """The hotel's answer, or None when there is none.

    An answer exists when the provider says it is shown or its text is non-empty. A responder
    name alone is not one: Agoda names the hotel as responder on every review, answered or not.
    """
    if shown or text:
        return HotelResponse(responder, text, responded_on)
    return None


class NormalizedReview(msgspec.Struct, frozen=True, gc=False):
    """One valid review, normalised; equal inputs give equal values (and content hashes).

    A frozen msgspec Struct rather than a dataclass: it is built once per line, and a frozen
    dataclass of this size costs more to build than the line costs to decode. It compares
    equal field by field and is read by attribute, like the dataclasses here. It holds no
    reference cycles, so it stays out of the garbage collector's way (gc=False).
    """

    provider: ProviderRef
    provider_review_id: str
    hotel: HotelRef
    rating: float  # as delivered, on provider.rating_scale
    rating_normalized: float  # on a 10-point scale, rounded to 2 decimals
    review_date: datetime  # timezone-aware, converted to UTC
    review_date_offset_minutes: int  # the offset the provider wrote, 0 when it wrote none
    review_date_offset_missing: bool  # True when the provider's date had no offset (UTC assumed)
    title: str | None = None
    text: str | None = None
    positives: str | None = None
    negatives: str | None = None
    language: str | None = None
    stay_month: date | None = None  # first day of the month of stay
    traveller_type: str | None = None  # normalised: solo, couple, family, group, business, other
    room_type: str | None = None
    length_of_stay: int | None = None
    reviewer_country: str | None = None
    reviewer_name: str | None = None  # masked as the provider delivered it
    reviewer_review_count: int | None = None
    reviewer_is_expert: bool | None = None
    response: HotelResponse | None = None
    aspects: dict[str, float] = msgspec.field(default_factory=dict)  # aspect -> 10-point rating
    standings: tuple[ProviderStanding, ...] = ()
    content_hash: str = ""  # hex digest of the review's own content (not hotel or standings)
