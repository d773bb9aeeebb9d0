"""Provider API models."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hotelreviews.core.pagination import PageFields


class ProviderRead(BaseModel):
    id: int = Field(examples=[1])
    key: str = Field(examples=["332", "feed:group-feed"], description="Stable feed identity.")
    name: str | None = Field(examples=["Agoda"])
    rating_scale: float = Field(examples=[10.0, 5.0])
    review_count: int = Field(description="Reviews stored from this provider.")


class ProviderPage(PageFields):
    items: list[ProviderRead]
