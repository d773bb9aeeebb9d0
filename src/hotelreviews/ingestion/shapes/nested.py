"""The nested OTA shape: {"hotelId", "hotelName", "comment": {...}, "overallByProviders": [...]}.

The shape's one definition, for both parse paths: its wire type `NestedLine` (the fast path,
msgspec), the key lists both paths read, `parse_object` (the precise path: an orjson object,
every problem named) and `parse_wire` (the fast path: a decoded NestedLine, None when not
sure). Both hand the values they checked to `_review`, which builds the review once for both.
"""

from __future__ import annotations

from datetime import date, datetime
from operator import attrgetter
from typing import Any

from msgspec import Raw

from hotelreviews.ingestion.shapes import dates
from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.hashing import (
    ReviewBasics,
    nested_hashed_response,
    new_review,
)
from hotelreviews.ingestion.shapes.memo import MISS, learn, remember
from hotelreviews.ingestion.shapes.records import (
    HotelRef,
    NormalizedReview,
    ProviderRef,
    ProviderStanding,
    Rejection,
    hotel_response,
)
from hotelreviews.ingestion.shapes.refs import HotelKeys, hotel_attributes, hotel_ref, provider_ref
from hotelreviews.ingestion.shapes.wire import (
    I64,
    NULL,
    Id,
    Number,
    Scalar,
    Wire,
    decoded_hotel,
    decoded_rating,
    raw_value,
)

SCALE = 10.0
KNOWN_PROVIDERS = {"332": "Agoda", "333": "Expedia", "334": "Booking.com"}
_EMPTY: dict[str, Any] = {}
# Optional texts of the comment, taken as delivered (empty is None).
COMMENT_TEXTS = (
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
REVIEWER_TEXTS = ("roomTypeName", "countryName", "displayMemberName")
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


class NestedReviewer(Wire, kw_only=True):
    countryName: str | None = None
    countryId: Scalar = None
    flagName: Scalar = None
    displayMemberName: str | None = None
    reviewGroupName: Scalar = None
    reviewGroupId: Scalar = None
    roomTypeName: str | None = None
    roomTypeId: Scalar = None
    lengthOfStay: Number | None = None
    reviewerReviewedCount: Number | None = None
    isExpertReviewer: Scalar = None
    isShowGlobalIcon: Scalar = None
    isShowReviewedCount: Scalar = None


NO_REVIEWER = NestedReviewer()


class NestedComment(Wire, kw_only=True):
    hotelReviewId: Id | str
    providerId: Id | str
    rating: Number
    formattedRating: Scalar = None
    ratingText: Scalar = None
    reviewTitle: str | None = None
    reviewComments: str | None = None
    reviewPositives: str | None = None
    reviewNegatives: str | None = None
    reviewDate: str
    formattedReviewDate: Scalar = None
    checkInDateMonthAndYear: Scalar = None
    translateSource: Scalar = None
    translateTarget: Scalar = None
    originalTitle: Scalar = None
    originalComment: Scalar = None
    isShowReviewResponse: Scalar = None
    responderName: str | None = None
    responseText: str | None = None
    hotelResponse: str | None = None
    responseDateText: str | None = None
    formattedResponseDate: str | None = None
    responseTranslateSource: Scalar = None
    encryptedReviewData: Scalar = None
    reviewProviderLogo: Scalar = None
    reviewProviderText: Scalar = None
    # Anything but an object counts as no reviewer information, as on the precise path.
    reviewerInfo: NestedReviewer | str | I64 | float | bool | None = None


class NestedLine(Wire, kw_only=True):
    hotelId: Id | str
    platform: Scalar = None
    hotelName: str
    hotelCity: str | None = None
    hotelCountry: str | None = None
    hotelStarRating: Number | None = None
    hotelAddress: str | None = None
    hotelLatitude: Number | None = None
    hotelLongitude: Number | None = None
    hotelAmenities: Raw = NULL  # raw, like the standings: part of a cache key
    comment: NestedComment
    # Kept as raw JSON: a file repeats the same snapshot for every review of a hotel, so its
    # decoded form is cached by these bytes.
    overallByProviders: Raw = NULL


def has_comment_object(obj: dict[str, Any]) -> bool:
    """A line without any shape's keys is still nested when its "comment" is an object (a
    nested line that lost its hotelId; the flat shape's "comment" is a string)."""
    return type(obj.get("comment")) is dict


def parse_object(obj: dict[str, Any]) -> NormalizedReview | Rejection:
    """The precise path: validate and normalise one nested-shape object, naming every problem."""
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
    # for type checkers: no problems recorded, so every required value is there
    assert when is not None and rating is not None
    assert review_id is not None and provider_id is not None
    assert hotel_id is not None and hotel_name is not None
    name = provider_name(provider_id, comment.get("reviewProviderText"), snapshot)
    provider = provider_ref(provider_id, name, SCALE)
    return _review(
        (provider, hotel_ref(hotel_id, hotel_name, attributes), snapshot),
        (review_id, rating, when, length_of_stay, reviewed_count),
        language=f.lowered(comment.get("translateSource")),
        stay_month=dates.month_year(comment.get("checkInDateMonthAndYear")),
        traveller=f.traveller_type(reviewer.get("reviewGroupName")),
        shown=comment.get("isShowReviewResponse"),
        expert=reviewer.get("isExpertReviewer"),
        texts=f.texts(comment, COMMENT_TEXTS),
        reviewer_texts=f.texts(reviewer, REVIEWER_TEXTS),
    )


_comment_texts_of = attrgetter(*COMMENT_TEXTS)
_reviewer_texts_of = attrgetter(*REVIEWER_TEXTS)
# Everything of a line that depends on the hotel's part alone, which the hotel's other reviews
# in the file repeat, is remembered by what the line says there (see parse_wire): the hotel's
# values (with the raw amenities added) key its HotelRef.
_hotel_part_of = attrgetter("hotelId", "hotelName", *HOTEL_KEYS[:-1])
# A line's provider, hotel and standings snapshot: the values of its hotel's and provider's
# parts, which the fast path remembers by what the line says there.
_Context = tuple[ProviderRef, HotelRef, tuple[ProviderStanding, ...]]
# The values of a line's review that both paths check: review id, rating, review date (see
# dates.instant), length of stay and the reviewer's review count.
_Checked = tuple[str, float, tuple[datetime, int, bool], int | None, int | None]
# Remembered by what the line says (see memo).
_contexts: dict[tuple[Any, ...], _Context] = {}
_hotels: dict[tuple[Any, ...], HotelRef] = {}
_standings: dict[bytes, tuple[ProviderStanding, ...]] = {}
_languages: dict[Any, str | None] = {}
_stay_months: dict[Any, date | None] = {}
_travellers: dict[Any, str | None] = {}


def parse_wire(line: NestedLine) -> NormalizedReview | None:
    """The fast path: the review of a decoded nested line, as parse_object gives it; None if
    not sure.

    Every value it reads goes through the converters parse_object uses, but only the unusual
    ones (a number as a string, say) pay for a call. Any problem means "not sure": the precise
    path will report it.
    """
    comment = line.comment
    hotel_key = (*_hotel_part_of(line), bytes(line.hotelAmenities))
    context_key = (bytes(line.overallByProviders), comment.providerId, comment.reviewProviderText)
    context = _contexts.get((context_key, hotel_key))
    if context is None:
        context = _context(context_key, hotel_key)
        if context is None:
            return None

    problems: f.Problems = []
    review_id = comment.hotelReviewId
    review_id = str(review_id) if type(review_id) is int else f.identifier(review_id, "", problems)
    rating = decoded_rating(comment.rating, SCALE)
    if rating is None:
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
    when = dates.instant(comment.reviewDate)
    if problems or when is None:
        return None
    assert review_id is not None  # for type checkers: no problems recorded

    language = _languages.get(comment.translateSource, MISS)
    if language is MISS:
        language = learn(_languages, f.lowered, comment.translateSource)
    stay_month = _stay_months.get(comment.checkInDateMonthAndYear, MISS)
    if stay_month is MISS:
        stay_month = learn(_stay_months, dates.month_year, comment.checkInDateMonthAndYear)
    traveller = _travellers.get(reviewer.reviewGroupName, MISS)
    if traveller is MISS:
        traveller = learn(_travellers, f.traveller_type, reviewer.reviewGroupName)
    return _review(
        context,
        (review_id, rating, when, length_of_stay, reviewed_count),
        language=language,
        stay_month=stay_month,
        traveller=traveller,
        shown=comment.isShowReviewResponse,
        expert=reviewer.isExpertReviewer,
        texts=_comment_texts_of(comment),
        reviewer_texts=_reviewer_texts_of(reviewer),
    )


def _context(key: tuple[Any, ...], hotel_key: tuple[Any, ...]) -> _Context | None:
    """(provider, hotel, standings) for a decoded line's (standings, provider id, provider label)
    and hotel part; None if not sure."""
    raw_standings, raw_provider_id, label = key
    # A hotel's attributes outlive its snapshot, and a snapshot is shared by the providers
    # reviewing the hotel in a file: each is remembered on its own too.
    problems: f.Problems = []
    hotel = _hotels.get(hotel_key)
    if hotel is None:
        hotel_id = f.identifier(hotel_key[0], "", problems)
        hotel = decoded_hotel(_hotels, hotel_key, hotel_id, HOTEL_KEYS)
    snapshot = _standings.get(raw_standings)
    if snapshot is None:
        delivered = raw_value(raw_standings)
        if delivered is not MISS:
            snapshot = remember(_standings, raw_standings, standings(delivered))
    provider_id = f.identifier(raw_provider_id, "", problems)
    if hotel is None or snapshot is None or provider_id is None:
        return None
    name = provider_name(provider_id, label, snapshot)
    context = (provider_ref(provider_id, name, SCALE), hotel, snapshot)
    return remember(_contexts, (key, hotel_key), context)


def _review(
    context: _Context,
    checked: _Checked,
    *,
    language: str | None,
    stay_month: date | None,
    traveller: str | None,
    shown: Any,
    expert: Any,
    texts: Any,
    reviewer_texts: Any,
) -> NormalizedReview:
    """The review of a checked nested line, from its `context` and `checked` values (see
    _Context and _Checked) and those read as delivered; `texts` and `reviewer_texts` are its
    COMMENT_TEXTS and REVIEWER_TEXTS values (already str or None, as both paths deliver them)."""
    provider, hotel, snapshot = context
    review_id, rating, when, length_of_stay, reviewed_count = checked
    title, body, positives, negatives, responder, answer, alt_answer, responded_on, alt_on = texts
    room_type, reviewer_country, reviewer_name = reviewer_texts
    shown = shown is True
    responder = responder or None
    answer = answer or alt_answer or None
    responded_on = responded_on or alt_on or None
    basics = ReviewBasics(provider, review_id, hotel, rating, *when, title or None, body or None)
    return new_review(
        basics,
        positives=positives or None,
        negatives=negatives or None,
        language=language,
        stay_month=stay_month,
        traveller_type=traveller,
        room_type=room_type or None,
        length_of_stay=length_of_stay,
        reviewer_country=reviewer_country or None,
        reviewer_name=reviewer_name or None,
        reviewer_review_count=reviewed_count,
        reviewer_is_expert=expert if expert is True or expert is False else None,
        response=hotel_response(shown, responder, answer, responded_on),
        standings=snapshot,
        hashed_response=nested_hashed_response(shown, responder, answer, responded_on),
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
