"""Ingestion API models (the read side: what was ingested and what was rejected)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hotelreviews.core.pagination import PageFields


class IngestionStatus(StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class IngestionCounts(BaseModel):
    lines_done: int = Field(description="Lines read so far (a re-run resumes after them).")
    blank: int
    new: int = Field(description="Reviews stored for the first time.")
    updated: int = Field(description="Reviews that arrived again with changed content.")
    unchanged: int
    rejected: int
    rejected_by_reason: dict[str, int] = Field(examples=[{"missing_field": 3, "invalid_json": 1}])


class IngestionRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": 1,
                "source_uri": "file:///data/agoda_com_2025-03-16.jl",
                "display_name": "agoda_com_2025-03-16.jl",
                "size_bytes": 20480,
                "checksum": "9f2c…",
                "status": "succeeded",
                "forced": False,
                "counts": {
                    "lines_done": 10,
                    "blank": 0,
                    "new": 9,
                    "updated": 1,
                    "unchanged": 0,
                    "rejected": 0,
                    "rejected_by_reason": {},
                },
                "started_at": "2025-03-16T08:00:00+00:00",
                "finished_at": "2025-03-16T08:00:01+00:00",
                "duration_seconds": 0.42,
                "lines_per_second": 23.8,
                "error": None,
            }
        }
    )

    id: int
    source_uri: str
    display_name: str
    size_bytes: int
    checksum: str = Field(description="sha256 of the file's bytes.")
    status: IngestionStatus
    forced: bool
    counts: IngestionCounts
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    lines_per_second: float | None
    error: str | None


class IngestionPage(PageFields):
    items: list[IngestionRead]


class RejectedLineRead(BaseModel):
    line_number: int = Field(examples=[3])
    reason: str = Field(examples=["missing_field"])
    message: str = Field(examples=["comment.reviewDate is missing"])
    excerpt: str = Field(description="The start of the line (at most 500 bytes).")


class RejectedLinePage(PageFields):
    items: list[RejectedLineRead]
