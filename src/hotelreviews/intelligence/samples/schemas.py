"""The aspect samples' models (for the OpenAPI schema; responses are built as plain data)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from hotelreviews.intelligence.samples.selection import MAX_SENTENCE_CHARS


class SampleRead(BaseModel):
    review_id: int
    review_date: datetime
    provider: str = Field(description="The review's provider (its name, else its key).")
    polarity: Literal["positive", "negative"]
    score: float = Field(ge=-1, le=1, description="Signed strength of the opinion.")
    source: Literal["text", "positives", "negatives", "rating"] = Field(
        description="Where the opinion was found: text (the text or the title), a "
        "positives/negatives field, or rating (a language without sentiment rules: the "
        "sentence names the aspect, the review's rating gave the polarity)."
    )
    sentence: str = Field(
        description="The sentence as the guest wrote it (plain text, never markup); longer "
        f"than {MAX_SENTENCE_CHARS} characters, its start and an ellipsis."
    )


class AspectSamplesRead(BaseModel):
    positive: list[SampleRead] = Field(description="Strongest first.")
    negative: list[SampleRead] = Field(description="Strongest first.")


class AspectSamplesPage(BaseModel):
    hotel_id: int
    status: Literal["analysed", "not_analysed"] = Field(
        description="not_analysed: the runner has analysed none of the hotel's reviews yet "
        "(none, or they arrived moments ago); `aspects` is then empty."
    )
    reason: str | None = Field(description="Why there are no samples, when there are none.")
    reviews_read: int = Field(ge=0, description="The newest analysed reviews looked at.")
    per_aspect: int = Field(ge=1, description="The bound on each list, as asked.")
    aspects: dict[str, AspectSamplesRead] = Field(
        description="Per aspect key (every aspect, or the one asked), its samples; keyed like "
        "the reputation's `aspects`."
    )
