"""Search API models (for the OpenAPI schema; handlers emit the same shape as orjson bytes)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from hotelreviews.core.pagination import PageFields
from hotelreviews.reviews.schemas import ReviewRead


class ReviewSearchHit(ReviewRead):
    model_config = ConfigDict(json_schema_extra=None)

    score: float = Field(
        description="Relevance, higher is better; comparable within one result list only."
    )
    snippet: str = Field(
        examples=["Room facing the bay was <mark>quiet</mark> and spotless."],
        description="HTML: matched terms wrapped in <mark>, everything else escaped.",
    )


class ReviewSearchPage(PageFields):
    items: list[ReviewSearchHit]
