"""The alerts API's models (for the OpenAPI schema; responses are built as plain data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hotelreviews.api.deps import NO_NUL, Text
from hotelreviews.core.pagination import PageFields
from hotelreviews.intelligence.alerts.tables import STATUS_NOTE_MAX_LENGTH
from hotelreviews.intelligence.keys import ASPECTS

AlertKind = Literal["rating_drop", "volume_burst", "aspect_deterioration", "suspicious_duplicates"]
AlertStatus = Literal["open", "acknowledged", "resolved"]
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
    status: AlertStatus = Field(description="open until someone acknowledges or resolves it.")
    status_changed_at: datetime | None = Field(description="When the status was last set.")
    status_changed_by: str | None = Field(
        description='Who set it: "user:<id>" or "key:<id>".', examples=["user:42"]
    )
    status_note: str | None = Field(description="The note left with the last change.")


def _blank_is_none(note: str | None) -> str | None:
    note = None if note is None else note.strip()
    return note or None


class AlertStatusChange(BaseModel):
    """PATCH /api/v1/alerts/{alert_id}: the state to set, and an optional note (replacing the
    note of the last change)."""

    model_config = ConfigDict(extra="forbid")

    status: AlertStatus
    note: Annotated[
        Text | None,
        Field(
            max_length=STATUS_NOTE_MAX_LENGTH,
            examples=["Housekeeping briefed; rechecking rooms on floor 3"],
            json_schema_extra=NO_NUL,
        ),
        AfterValidator(_blank_is_none),
    ] = None


class AlertPage(PageFields):
    items: list[AlertRead]
