"""The events API's models (for the OpenAPI schema; responses are built as plain data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

EventKind = Literal["reviews", "alert", "ingestion"]


class EventRead(BaseModel):
    id: int = Field(description="The event's position: resume after it (Last-Event-ID).")
    kind: EventKind
    hotel_id: int | None = Field(description='Null for "ingestion" events (about no hotel).')
    occurred_at: datetime
    payload: dict[str, Any] = Field(
        description='"reviews": {"new", "updated", "latest_review_ids" (up to 20), '
        '"ingestion_id"}; "alert": the alert (managers, analysts and admins only); '
        '"ingestion": {"ingestion_id", "status", "counts" {"lines_done", "accepted", '
        '"rejected"}, "progress" {"lines_done", "bytes_done", "bytes_total"}} as GET '
        "/api/v1/ingestions/{id} shows them, at each committed batch and status change "
        "(admins and analysts: every ingestion; ingest: the ones it queued).",
        examples=[{"new": 12, "updated": 1, "latest_review_ids": [901, 902], "ingestion_id": 7}],
    )


class EventPage(BaseModel):
    items: list[EventRead]
    last_event_id: int = Field(
        description="Ask again with after (or Last-Event-ID) set to this for what follows."
    )
    has_more: bool = Field(description="Whether more events were already stored.")
