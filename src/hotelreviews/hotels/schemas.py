"""Hotel API models (for the OpenAPI schema; handlers emit the same shape as orjson bytes)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotelreviews.core.pagination import PageFields
from hotelreviews.intelligence.keys import ASPECTS

# The ten keys of intelligence.keys (a tuple subscript is the same Literal as its items).
Aspect = Literal[ASPECTS]  # type: ignore[valid-type]


class HotelSort(StrEnum):
    rating = "rating"
    reviews = "reviews"
    name = "name"


_LIST_ITEM_EXAMPLE = {
    "id": 3,
    "external_id": "5101",
    "name": "Harbourfront Lantern Hotel",
    "city": "Singapore",
    "country": "Singapore",
    "stars": 4.0,
    "review_count": 128,
    "average_rating": 8.42,
    "latest_review_at": "2025-03-15T14:40:00+00:00",
}


class HotelListItem(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": _LIST_ITEM_EXAMPLE})

    id: int
    external_id: str = Field(description="The feed's hotel id.")
    name: str
    city: str | None
    country: str | None
    stars: float | None
    review_count: int
    average_rating: float | None = Field(
        description="Mean normalised rating (10-point scale), 2 decimals; null without reviews."
    )
    latest_review_at: datetime | None


class HotelPage(PageFields):
    items: list[HotelListItem]


class Coordinates(BaseModel):
    latitude: float = Field(examples=[1.2834])
    longitude: float = Field(examples=[103.8607])


class _Tally(BaseModel):
    """How many reviews a part of the summary counts, and their mean normalised rating."""

    review_count: int
    average_rating: float | None


class ProviderBreakdown(_Tally):
    provider_id: int
    provider_name: str | None = Field(examples=["Agoda"])


class AspectBreakdown(_Tally):
    aspect: str = Field(examples=["cleanliness"])


class TravellerTypeBreakdown(_Tally):
    traveller_type: str = Field(examples=["couple"])


class ProviderStandingRead(BaseModel):
    """The hotel's own standing on a provider, from the provider's latest snapshot."""

    provider_id: int
    provider_name: str | None
    score: float | None = Field(examples=[8.3])
    review_count: int | None = Field(examples=[1204])
    grades: dict[str, float] = Field(examples=[{"Cleanliness": 8.6, "Location": 9.2}])
    as_of: date


class HotelRead(HotelListItem):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                **_LIST_ITEM_EXAMPLE,
                "address": "1 Harbour Walk",
                "coordinates": {"latitude": 1.2834, "longitude": 103.8607},
                "amenities": ["wifi", "pool"],
                "review_count": 2,
                "average_rating": 7.0,
                "histogram": {str(k): 1 if k in (5, 9) else 0 for k in range(1, 11)},
                "by_provider": [
                    {
                        "provider_id": 1,
                        "provider_name": "Agoda",
                        "review_count": 2,
                        "average_rating": 7.0,
                    }
                ],
                "by_aspect": [],
                "by_traveller_type": [
                    {"traveller_type": "couple", "review_count": 1, "average_rating": 8.8}
                ],
                "provider_standings": [
                    {
                        "provider_id": 1,
                        "provider_name": "Agoda",
                        "score": 8.3,
                        "review_count": 1204,
                        "grades": {"Location": 9.2},
                        "as_of": "2025-03-16",
                    }
                ],
                "created_at": "2025-03-16T08:00:00+00:00",
                "updated_at": "2025-03-16T08:00:00+00:00",
            }
        }
    )

    address: str | None
    coordinates: Coordinates | None
    amenities: list[str]
    histogram: dict[str, int] = Field(description='Reviews per rounded rating, keys "1".."10".')
    by_provider: list[ProviderBreakdown]
    by_aspect: list[AspectBreakdown]
    by_traveller_type: list[TravellerTypeBreakdown]
    provider_standings: list[ProviderStandingRead]
    created_at: datetime
    updated_at: datetime


class TrendBucket(StrEnum):
    month = "month"  # calendar month, UTC
    week = "week"  # ISO week, from Monday, UTC


class AspectSentiment(BaseModel):
    """A bucket's reviews with an opinion on the aspect, by the polarity they lean to."""

    aspect: Aspect
    positive: int = Field(description="Reviews leaning positive on the aspect.")
    negative: int = Field(description="Reviews leaning negative on the aspect.")
    positive_share: float = Field(description="positive / (positive + negative), 2 decimals.")


class TrendPoint(BaseModel):
    start: date = Field(description="First day of the bucket (UTC): the 1st, or a Monday.")
    reviews: int = Field(description="Reviews dated in the bucket; 0 for a filled-in gap.")
    average_rating_normalized: float | None = Field(
        description="Mean normalised rating (10-point scale), 2 decimals; null if no reviews."
    )
    average_rating: float | None = Field(
        description="Mean raw rating, 2 decimals: only when all the bucket's reviews share one "
        "rating scale (`rating_scale`), else null (filter by `provider_id` to get it)."
    )
    rating_scale: float | None = Field(
        description="The scale of `average_rating` (e.g. 5 or 10); null when it is null."
    )
    reviews_analysed: int = Field(
        description="The bucket's reviews whose aspect opinions are stored (review "
        "intelligence analyses new reviews shortly after ingestion): fewer than `reviews` "
        "means `aspects` is not complete yet."
    )
    aspects: list[AspectSentiment] = Field(
        description="Per aspect with mentions among the analysed reviews (key order), each "
        "review counted once with the polarity its opinions lean to; only `aspect` if given."
    )


class HotelTrend(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "hotel_id": 1,
                "bucket": "month",
                "aspect": None,
                "clipped": False,
                "aspects_analysed": True,
                "points": [
                    {
                        "start": "2025-01-01",
                        "reviews": 12,
                        "average_rating_normalized": 8.1,
                        "average_rating": 8.1,
                        "rating_scale": 10.0,
                        "reviews_analysed": 12,
                        "aspects": [
                            {
                                "aspect": "cleanliness",
                                "positive": 3,
                                "negative": 1,
                                "positive_share": 0.75,
                            },
                            {
                                "aspect": "staff",
                                "positive": 7,
                                "negative": 0,
                                "positive_share": 1.0,
                            },
                        ],
                    },
                    {
                        "start": "2025-02-01",
                        "reviews": 0,
                        "average_rating_normalized": None,
                        "average_rating": None,
                        "rating_scale": None,
                        "reviews_analysed": 0,
                        "aspects": [],
                    },
                ],
            }
        }
    )

    hotel_id: int
    bucket: TrendBucket
    aspect: Aspect | None = Field(description="The `aspect` asked for; null: every aspect.")
    clipped: bool = Field(
        description="True when the span had more buckets than the limit (240 months, 520 "
        "weeks): only the newest are given; use `until` for older ones."
    )
    aspects_analysed: bool = Field(
        description="True when every review of the points is analysed (`reviews_analysed` = "
        "`reviews` in each): their aspect counts are complete."
    )
    points: list[TrendPoint] = Field(
        description="Oldest first, every bucket from the first to the last one with reviews."
    )
