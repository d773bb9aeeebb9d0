"""The reputation API's models (for the OpenAPI schema; responses are built as plain data)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from hotelreviews.core.pagination import PageFields

Band = Literal["<=2", "3", "4", "5", "unknown"]


class AspectRead(BaseModel):
    score: float = Field(ge=0, le=100, description="0–100, shrunk towards the city's mean.")
    confidence: float = Field(ge=0, le=1)
    mentions: int = Field(ge=0, description="Opinions on the aspect, over all reviews.")


class CompetitiveSetRead(BaseModel):
    band: Band = Field(description="The star band.")
    rank: int = Field(ge=1, description="1 = best among the city's hotels of the band.")
    size: int = Field(ge=1)


class ReputationRead(BaseModel):
    hotel_id: int
    status: Literal["scored", "not_scored"] = Field(
        description="not_scored: the runner has not scored the hotel yet (no reviews, or "
        "they arrived moments ago); every figure is then null."
    )
    reason: str | None = Field(description="Why there is no score, when there is none.")
    index: float | None = Field(description="0–100.", ge=0, le=100)
    confidence: float | None = Field(ge=0, le=1)
    reviews_effective: float | None = Field(
        ge=0, description="The reviews' recency-weighted count, in fresh-review equivalents."
    )
    aspects: dict[str, AspectRead] | None
    competitive_set: CompetitiveSetRead | None
    updated_at: datetime | None = Field(description="When the runner last scored the hotel.")


class CompetitorRead(BaseModel):
    hotel_id: int
    name: str
    rank: int = Field(ge=1, description="1 = best; hotels of equal index share a rank.")
    index: float = Field(ge=0, le=100, description="The reputation index, 0–100.")
    confidence: float = Field(ge=0, le=1)


class CompetitiveSetPage(PageFields):
    hotel_id: int
    status: Literal["scored", "not_scored"] = Field(
        description="not_scored: the runner has not scored the hotel yet (no items)."
    )
    reason: str | None = Field(description="Why there is no set, when there is none.")
    city: str | None = Field(
        description="The hotel's city as delivered; null: unknown (a "
        "hotel of no known city competes with no one: its set is itself)."
    )
    band: Band | None = Field(description="The star band the set shares.")
    rank: int | None = Field(ge=1, description="The hotel's own rank in the set.")
    size: int | None = Field(ge=1, description="How many hotels the set holds.")
    items: list[CompetitorRead] = Field(description="The set's hotels, best first.")
