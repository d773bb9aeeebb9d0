"""The two line shapes as msgspec types, for the fast path of the line parser.

They are strict on purpose: a line they decode must be one that orjson (the precise path's
decoder) accepts too, decoding to the same values. So every key of a line must be declared
(`forbid_unknown_fields`: msgspec skips unknown keys without checking their numbers and
bytes as orjson does), integers must fit in 64 bits (orjson turns bigger ones into floats),
and values we do not read must still be JSON scalars. The hotel's standings and amenities are
kept as raw JSON, a cache key for what they decode to; raw_value decodes them with orjson.
A line that fails here is not necessarily invalid: it just goes to the precise path.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import orjson
from msgspec import Meta, Raw, Struct

from hotelreviews.ingestion.shapes.memo import MISS

I64 = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]
Id = Annotated[int, Meta(ge=0, le=2**63 - 1)]  # negative ids are rejected by the precise path
# Numbers sometimes arrive as strings: those are converted exactly as the precise path does.
Number = I64 | float | str
Scalar = str | I64 | float | bool | None  # a value we do not read, or read leniently
NULL = Raw(b"null")  # the value of an absent key kept as raw JSON
_MAX_BRACKETS = 512  # far below orjson's depth limit of 1024, far above any real value


class _Wire(Struct, forbid_unknown_fields=True, gc=False, kw_only=True):
    """A decoded JSON object with only the declared keys (transient, free of cycles).

    Fields are declared in the order the exports write them, which msgspec decodes fastest.
    """


class NestedReviewer(_Wire, kw_only=True):
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


class NestedComment(_Wire, kw_only=True):
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


class NestedLine(_Wire, kw_only=True):
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


class FlatLine(_Wire, kw_only=True):
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


decode_nested = msgspec.json.Decoder(NestedLine).decode
decode_flat = msgspec.json.Decoder(FlatLine).decode


def raw_value(raw: bytes) -> Any:
    """A raw JSON value of a decoded line, decoded as orjson decodes it; MISS if not sure.

    MISS when orjson refuses it, or when it nests so deep that orjson might accept it alone but
    not inside its line (orjson limits the depth of a whole document). msgspec only skipped
    over it, so this is where its numbers and text are checked as the precise path does.
    """
    if raw == b"null":
        return None
    if raw.count(b"[") + raw.count(b"{") > _MAX_BRACKETS:
        return MISS
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return MISS
