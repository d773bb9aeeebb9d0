"""The alerts API's models (for the OpenAPI schema; responses are built as plain data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from hotelreviews.core.pagination import PageFields
from hotelreviews.intelligence.keys import ASPECTS

AlertKind = Literal["rating_drop", "volume_burst", "aspect_deterioration", "suspicious_duplicates"]
# The ten keys of intelligence.keys (a tuple subscript is the same Literal as its items).
Aspect = Literal[ASPECTS]  # type: ignore[valid-type]


class AlertRead(BaseModel):
    id: int
    hotel_id: int
    kind: AlertKind
    aspect: Aspect | None = Field(description="The aspect, for aspect_deterioration.")
    review_id: int | None = Field(description="The review concerned, for a flagged review.")
    onset: date = Field(description="When the change began, as the detector estimates it.")
    detected_at: datetime
    severity: float = Field(description="How far from the hotel's normal; larger is worse.")
    message: str = Field(
        examples=[
            "Cleanliness complaints doubled in four weeks: 14 of 31 opinions negative since "
            "3 Nov, against 7 of 60 before"
        ]
    )
    evidence: dict[str, Any]


class AlertPage(PageFields):
    items: list[AlertRead]
