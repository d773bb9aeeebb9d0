"""The reputation API's models (for the OpenAPI schema; responses are built as plain data)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AspectRead(BaseModel):
    score: float = Field(ge=0, le=100, description="0–100, shrunk towards the city's mean.")
    confidence: float = Field(ge=0, le=1)
    mentions: int = Field(ge=0, description="Opinions on the aspect, over all reviews.")


class CompetitiveSetRead(BaseModel):
    band: Literal["<=2", "3", "4", "5", "unknown"] = Field(description="The star band.")
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
