"""The fast path for nested lines: a line decoded into `wire.NestedLine`, normalised.

Gives exactly the review nested_shape gives for the same line, or None when not sure; every
value it reads goes through the converters nested_shape uses, but only the unusual ones (a
number as a string, say) pay for a call.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hotelreviews.ingestion.shapes import dates
from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.hashing import nested_hashed_response, new_review
from hotelreviews.ingestion.shapes.memo import MISS, learn, number, on_ten_point_scale, remember
from hotelreviews.ingestion.shapes.nested import HOTEL_KEYS, SCALE, provider_name
from hotelreviews.ingestion.shapes.nested import standings as standings_of
from hotelreviews.ingestion.shapes.records import (
    HotelRef,
    NormalizedReview,
    ProviderRef,
    ProviderStanding,
    hotel_response,
)
from hotelreviews.ingestion.shapes.refs import hotel_attributes, hotel_ref, provider_ref
from hotelreviews.ingestion.shapes.wire import NO_REVIEWER, NestedLine, NestedReviewer, raw_value

_SCALE = SCALE
_HOTEL_KEYS = HOTEL_KEYS
_instant = dates.instant
# Remembered by what the line says (see memo).
_Context = tuple[ProviderRef, HotelRef, tuple[ProviderStanding, ...]]
_contexts: dict[tuple[Any, ...], _Context] = {}
_hotels: dict[tuple[Any, ...], HotelRef] = {}
_standings: dict[bytes, tuple[ProviderStanding, ...]] = {}
_languages: dict[Any, str | None] = {}
_stay_months: dict[Any, date | None] = {}
_travellers: dict[Any, str | None] = {}


def parse_nested_line(line: NestedLine) -> NormalizedReview | None:
    """The review of a decoded nested line, exactly as nested_shape gives it; None if not sure."""
    comment = line.comment
    # Everything that depends on the hotel's part of the line alone, which the hotel's
    # other reviews in the file repeat: provider, hotel, standings.
    context_key = (
        bytes(line.overallByProviders),
        line.hotelId,
        line.hotelName,
        comment.providerId,
        comment.reviewProviderText,
        line.hotelCity,
        line.hotelCountry,
        line.hotelAddress,
        line.hotelStarRating,
        line.hotelLatitude,
        line.hotelLongitude,
        bytes(line.hotelAmenities),
    )
    context = _contexts.get(context_key)
    if context is None:
        context = _context(context_key)
        if context is None:
            return None
    provider, hotel, standings = context

    problems: f.Problems = []  # any problem means "not sure": the precise path will report it
    review_id = comment.hotelReviewId
    review_id = str(review_id) if type(review_id) is int else f.identifier(review_id, "", problems)
    rating = comment.rating
    if type(rating) is not float:
        rating = number(rating)
        if rating is None:
            return None
    if not 1.0 <= rating <= 10.0:
        return None
    reviewer = comment.reviewerInfo
    if type(reviewer) is not NestedReviewer:
        reviewer = NO_REVIEWER
    length_of_stay = reviewer.lengthOfStay
    if length_of_stay is not None and not (
        type(length_of_stay) is int and 0 <= length_of_stay <= 365
    ):
        length_of_stay = f.lenient_int(length_of_stay, "", problems, 0, 365)
    reviewed_count = reviewer.reviewerReviewedCount
    if reviewed_count is not None and not (
        type(reviewed_count) is int and 0 <= reviewed_count <= 10**12
    ):
        reviewed_count = f.lenient_int(reviewed_count, "", problems, 0, 10**12)
    when = _instant(comment.reviewDate)
    if problems or when is None:
        return None
    assert review_id is not None  # for type checkers: no problems recorded

    responder = comment.responderName or None
    answer = comment.responseText or comment.hotelResponse or None
    shown = comment.isShowReviewResponse is True
    responded_on = comment.formattedResponseDate or comment.responseDateText or None
    language = _languages.get(comment.translateSource, MISS)
    if language is MISS:
        language = learn(_languages, f.lowered, comment.translateSource)
    stay_month = _stay_months.get(comment.checkInDateMonthAndYear, MISS)
    if stay_month is MISS:
        stay_month = learn(_stay_months, dates.month_year, comment.checkInDateMonthAndYear)
    traveller = _travellers.get(reviewer.reviewGroupName, MISS)
    if traveller is MISS:
        traveller = learn(_travellers, f.traveller_type, reviewer.reviewGroupName)
    normalized = on_ten_point_scale(rating, _SCALE)
    expert = reviewer.isExpertReviewer
    return new_review(
        provider,
        review_id,
        hotel,
        rating,
        normalized,
        when[0],
        when[1],
        when[2],
        comment.reviewTitle or None,
        comment.reviewComments or None,
        comment.reviewPositives or None,
        comment.reviewNegatives or None,
        language,
        stay_month,
        traveller,
        reviewer.roomTypeName or None,
        length_of_stay,
        reviewer.countryName or None,
        reviewer.displayMemberName or None,
        reviewed_count,
        expert if expert is True or expert is False else None,
        hotel_response(shown, responder, answer, responded_on),
        {},
        standings,
        nested_hashed_response(shown, responder, answer, responded_on),
    )


def _context(key: tuple[Any, ...]) -> _Context | None:
    """(provider, hotel, standings) for a nested line's hotel part; None if not sure."""
    raw_standings, raw_hotel_id, hotel_name, raw_provider_id, label, *attribute_values = key
    # A hotel's attributes outlive its snapshot, and a snapshot is shared by the providers
    # reviewing the hotel in a file: each is remembered on its own too.
    hotel_key = (raw_hotel_id, hotel_name, *attribute_values)
    hotel = _hotels.get(hotel_key)
    if hotel is None:
        hotel = _hotel(hotel_key)
    standings = _standings.get(raw_standings)
    if standings is None:
        snapshot = raw_value(raw_standings)
        if snapshot is not MISS:
            standings = remember(_standings, raw_standings, standings_of(snapshot))
    problems: f.Problems = []
    provider_id = f.identifier(raw_provider_id, "", problems)
    if hotel is None or standings is None or provider_id is None:
        return None
    name = provider_name(provider_id, label, standings)
    context = (provider_ref(provider_id, name, _SCALE), hotel, standings)
    return remember(_contexts, key, context)


def _hotel(key: tuple[Any, ...]) -> HotelRef | None:
    """The HotelRef for a nested line's hotel id, name and attributes; None if not sure."""
    raw_hotel_id, hotel_name, *attribute_values = key
    problems: f.Problems = []
    hotel_id = f.identifier(raw_hotel_id, "", problems)
    amenities = raw_value(attribute_values[-1])
    attributes = hotel_attributes((*attribute_values[:-1], amenities), _HOTEL_KEYS, problems)
    if problems or amenities is MISS or not hotel_name.strip():
        return None
    assert hotel_id is not None  # for type checkers: no problems recorded
    return remember(_hotels, key, hotel_ref(hotel_id, hotel_name, attributes))
