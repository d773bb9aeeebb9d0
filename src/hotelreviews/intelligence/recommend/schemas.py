"""The recommendation API's models (for the OpenAPI schema; responses are built as plain
data by the service)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotelreviews.core.pagination import PageFields

AspectShares = dict[str, float]
_SHARES = (
    "What each aspect is worth to the ratings, as shares: the learned weight times the "
    "aspect's spread over the scored hotels (a typical difference), over the sum of their "
    "absolute values (ten aspect keys; a negative share: rated lower where that aspect "
    "scores higher)."
)


class HotelCard(BaseModel):
    hotel_id: int
    name: str
    city: str | None
    stars: float | None
    reputation_index: float | None = Field(ge=0, le=100, description="0–100.")


class SimilarHotel(HotelCard):
    similarity: float = Field(
        description="(1 − text_weight) × profile_similarity + text_weight × text_similarity."
    )
    profile_similarity: float = Field(
        ge=-1, le=1, description="Cosine of the aspect profiles, each aspect standardised."
    )
    text_similarity: float = Field(
        ge=0, le=1, description="Cosine of TF-IDF vectors of the hotels' review-term bags."
    )


class SimilarHotelsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "hotel_id": 12,
                "status": "scored",
                "reason": None,
                "text_weight": 0.5,
                "items": [
                    {
                        "hotel_id": 31,
                        "name": "Marina Crescent",
                        "city": "Singapore",
                        "stars": 4.0,
                        "reputation_index": 71.4,
                        "similarity": 0.6123,
                        "profile_similarity": 0.8011,
                        "text_similarity": 0.4235,
                    }
                ],
            }
        }
    )

    hotel_id: int
    status: Literal["scored", "not_scored"] = Field(
        description="not_scored: the runner has not scored the hotel yet; `items` is empty."
    )
    reason: str | None
    text_weight: float = Field(ge=0, le=1)
    items: list[SimilarHotel]


class RecommendedHotel(HotelCard):
    expected_rating: float = Field(
        description="The rating (10-point) the learned weights expect from this traveller."
    )
    score: float = Field(
        description="The order: expected fit and log-popularity, each standardised over the "
        "city's hotels, added (popularity_weight × popularity)."
    )
    why: list[str] = Field(
        description="Up to three aspects that lift this hotel most above the city's average "
        "for these weights."
    )


class ModelRead(BaseModel):
    traveller_type: str | None = Field(
        description='The model used: the type\'s own, or "all" (pooled) for a type with too '
        "few ratings or none asked; null when nothing is learned yet."
    )
    ratings: int = Field(ge=0, description="Ratings the model was fitted on.")
    weights: AspectShares | None = Field(description=_SHARES)
    top_aspects: list[str]


class RecommendationPage(PageFields):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "hotel_id": 31,
                        "name": "Marina Crescent",
                        "city": "Singapore",
                        "stars": 4.0,
                        "reputation_index": 71.4,
                        "expected_rating": 8.412,
                        "score": 1.9321,
                        "why": ["wifi", "checkin", "location"],
                    }
                ],
                "next_cursor": None,
                "total": None,
                "total_exact": None,
                "city": "Singapore",
                "traveller_type": "business",
                "model": {
                    "traveller_type": "business",
                    "ratings": 2297,
                    "weights": {"wifi": 0.21, "checkin": 0.2, "location": 0.16},
                    "top_aspects": ["wifi", "checkin", "location"],
                },
                "popularity_weight": 1.5,
            }
        }
    )

    items: list[RecommendedHotel]
    city: str
    traveller_type: str | None
    model: ModelRead
    popularity_weight: float


class TravellerTypeRead(BaseModel):
    traveller_type: str = Field(description='A traveller type, or "all" for every rating.')
    ratings: int = Field(ge=0, description="Ratings given by travellers of the type.")
    own_model: bool = Field(
        description="false: too few ratings (under 30), the pooled weights stand in."
    )
    weights: AspectShares | None = Field(description=_SHARES)
    top_aspects: list[str]


class TravellerTypesRead(BaseModel):
    items: list[TravellerTypeRead]
    hotels: int = Field(ge=0, description="Scored hotels the models were fitted on.")


class ReviewerRead(BaseModel):
    name: str
    country: str | None
    reviews: int = Field(ge=1)
    traveller_type: str | None = Field(description="The type the reviewer names most often.")


class ReviewerRecommendationPage(PageFields):
    items: list[RecommendedHotel]
    reviewer: ReviewerRead
    city: str
    basis: Literal["reviewer_history", "traveller_type"] = Field(
        description="reviewer_history: weights fitted on the reviewer's ratings (two or more "
        "at scored hotels), shrunk toward their type's; traveller_type: their type's weights."
    )
    weights: AspectShares | None = Field(description=_SHARES)
    popularity_weight: float
