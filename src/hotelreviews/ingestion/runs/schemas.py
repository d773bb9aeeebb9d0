"""Ingestion API models: queueing a source, what was ingested, what was rejected."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hotelreviews.core.pagination import PageFields


class IngestionStatus(StrEnum):
    queued = "queued"  # waiting for a worker
    running = "running"
    retrying = "retrying"  # an attempt failed; another follows at job.next_attempt_at
    succeeded = "succeeded"
    failed = "failed"  # a run of `hotelreviews ingest` that could not finish its file
    dead = "dead"  # a queued ingestion given up: the error is in `error`


class IngestionCreate(BaseModel):
    """A source for the worker to ingest."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"source_uri": "s3://feeds/agoda/agoda_com_2025-03-16.jl"}},
    )

    source_uri: str = Field(
        min_length=1,
        max_length=2048,
        description="s3://bucket/key, an https:// URL, or an absolute path (or file:// URI) "
        "under a folder the worker polls (HOTELREVIEWS_WORKER_SOURCES).",
    )


class IngestionCounts(BaseModel):
    lines_done: int = Field(description="Lines read so far (a re-run resumes after them).")
    blank: int
    new: int = Field(description="Reviews stored for the first time.")
    updated: int = Field(description="Reviews that arrived again with changed content.")
    unchanged: int
    rejected: int
    rejected_by_reason: dict[str, int] = Field(examples=[{"missing_field": 3, "invalid_json": 1}])


class IngestionProgress(BaseModel):
    lines_done: int = Field(description="Lines committed so far.")
    bytes_done: int | None = Field(
        description="Bytes of the source read so far (compressed, for gzip); null when not "
        "tracked (runs of `hotelreviews ingest` until they succeed)."
    )
    bytes_total: int | None = Field(description="The source's size, once known.")


class IngestionJob(BaseModel):
    """The queue's side of a queued ingestion."""

    attempts: int = Field(description="Attempts started so far (a stopped worker's is not).")
    max_attempts: int
    queued_at: datetime
    next_attempt_at: datetime | None = Field(description="When it is due (queued, retrying).")
    worker: str | None = Field(
        description="The worker holding it (running), or the one that ended it."
    )
    lease_expires_at: datetime | None = Field(
        description="While running: when another worker may take it over if this one falls silent."
    )
    last_error: str | None = Field(description="The error of the last failed attempt.")
    run_id: int | None = Field(
        description="The ingestion whose run read the content: this one, or an unfinished "
        "run of the same content that this one resumed."
    )
    duplicate_of: int | None = Field(
        description="Set when the same content was already ingested, by that ingestion."
    )


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
                "progress": {"lines_done": 10, "bytes_done": 20480, "bytes_total": 20480},
                "job": {
                    "attempts": 1,
                    "max_attempts": 5,
                    "queued_at": "2025-03-16T07:59:58+00:00",
                    "next_attempt_at": None,
                    "worker": "ingest-1:4242:9f3a1c",
                    "lease_expires_at": None,
                    "last_error": None,
                    "run_id": 1,
                    "duplicate_of": None,
                },
            }
        }
    )

    id: int
    source_uri: str
    display_name: str
    size_bytes: int | None = Field(description="Null while queued, until the size is known.")
    checksum: str | None = Field(
        description="sha256 of the file's bytes (or a remote object's identity); null until read."
    )
    status: IngestionStatus
    forced: bool
    counts: IngestionCounts
    progress: IngestionProgress
    started_at: datetime | None = Field(description="Null while queued.")
    finished_at: datetime | None
    duration_seconds: float | None
    lines_per_second: float | None
    error: str | None
    job: IngestionJob | None = Field(
        description="Queue state of an ingestion queued for the worker; null for a run of "
        "`hotelreviews ingest`."
    )


class IngestionPage(PageFields):
    items: list[IngestionRead]


class RejectedLineRead(BaseModel):
    line_number: int = Field(examples=[3])
    reason: str = Field(examples=["missing_field"])
    message: str = Field(examples=["comment.reviewDate is missing"])
    excerpt: str | None = Field(
        description="The start of the line (at most 500 bytes); null for analysts reading an "
        "ingestion they did not queue (raw input is shown to admins and its owner only)."
    )


class RejectedLinePage(PageFields):
    items: list[RejectedLineRead]
