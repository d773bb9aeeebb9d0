"""An ingestion as one row — its own columns, its job's (`ingestion_jobs`, same id) as job_*,
the run holding its lines (the earlier run a queued one resumed) as run_* — and that row as the
API shows it (IngestionRead): the one reading of an ingestion's status, counts and progress,
for GET /api/v1/ingestions (runs.repository and runs.service) and for the "ingestion" events
that batches and status changes record (progress_events.py), so the two never disagree.

Here, below the runs API and the queue, because the writers of batches and the worker record
those events in their own transactions (the ingestion layers: runs -> queue -> writing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.ingestion.sources.remote import redact_url
from hotelreviews.ingestion.tables import ingested_files, ingestion_jobs

f, j = ingested_files.c, ingestion_jobs.c
_run = ingested_files.alias("run")
RUN_COLUMNS = (
    "status",
    "size_bytes",
    "checksum",
    "lines_done",
    "lines_blank",
    "reviews_new",
    "reviews_updated",
    "reviews_unchanged",
    "lines_rejected",
    "rejected_by_reason",
    "started_at",
    "finished_at",
    "duration_seconds",
    "lines_per_second",
)
_JOB_COLUMNS = (
    "status",
    "attempts",
    "max_attempts",
    "next_attempt_at",
    "lease_owner",
    "lease_expires_at",
    "last_error",
    "bytes_total",
    "bytes_done",
    "run_id",
    "created_at",
)
# Each row: the ingestion's own columns, its job's as job_*, its resumed run's as run_*.
INGESTIONS = sa.select(
    ingested_files,
    *(j[name].label(f"job_{name}") for name in _JOB_COLUMNS),
    *(_run.c[name].label(f"run_{name}") for name in RUN_COLUMNS),
).select_from(
    ingested_files.outerjoin(ingestion_jobs, j.id == f.id).outerjoin(
        _run, sa.and_(_run.c.id == j.run_id, _run.c.id != f.id)
    )
)


async def ingestion_row(connection: AsyncConnection, ingestion_id: int) -> Row[Any] | None:
    """One ingestion's row, whoever may see it (None: no such ingestion)."""
    return (await connection.execute(INGESTIONS.where(f.id == ingestion_id))).first()


def ingestion_read(row: Mapping[str, Any]) -> dict[str, Any]:
    """An ingestion row (INGESTIONS) as GET /api/v1/ingestions/{id} shows it."""
    queued = row["job_status"] is not None
    status = row["job_status"] if queued else row["status"]
    skipped = row["status"] == "skipped"  # its content was ingested already, by job.run_id
    # The row holding the lines read: the run this one resumed, else itself (zero counts
    # for a skipped one, which read none).
    resumed = row["run_status"] is not None and not skipped
    run = {name: row[f"run_{name}"] if resumed else row[name] for name in RUN_COLUMNS}
    # Reserved when queued, a row has no checksum ("") until a worker has opened the source.
    unread = not run["checksum"] and not skipped
    if skipped:
        size, checksum = row["run_size_bytes"], row["run_checksum"]
    else:
        size = row["job_bytes_total"] if unread else run["size_bytes"]
        checksum = run["checksum"] or None
    bytes_done = row["job_bytes_done"] if queued else None
    if status == "succeeded":
        bytes_done = size
    return {
        "id": row["id"],
        # Stored redacted already; redacted again as read, so that rows written before a
        # stricter redaction never show more than it allows.
        "source_uri": redact_url(row["source_uri"]),
        "display_name": row["display_name"],
        "size_bytes": size,
        "checksum": checksum,
        "status": status,
        "forced": row["forced"],
        "counts": {
            "lines_done": run["lines_done"],
            "blank": run["lines_blank"],
            "new": run["reviews_new"],
            "updated": run["reviews_updated"],
            "unchanged": run["reviews_unchanged"],
            "rejected": run["lines_rejected"],
            "rejected_by_reason": run["rejected_by_reason"] or {},
        },
        "progress": {
            "lines_done": run["lines_done"],
            "bytes_done": bytes_done,
            "bytes_total": size,
        },
        "started_at": None if unread else run["started_at"],
        "finished_at": run["finished_at"],
        "duration_seconds": run["duration_seconds"],
        "lines_per_second": run["lines_per_second"],
        # A queued one's error is that of its last attempt while it retries, or its end.
        "error": (row["job_last_error"] if status in ("retrying", "dead") else None)
        if queued
        else row["error"],
        "job": _job(row, skipped=skipped) if queued else None,
    }


def _job(row: Mapping[str, Any], *, skipped: bool) -> dict[str, Any]:
    status = row["job_status"]
    return {
        "attempts": row["job_attempts"],
        "max_attempts": row["job_max_attempts"],
        "queued_at": row["job_created_at"],
        "next_attempt_at": row["job_next_attempt_at"] if status in ("queued", "retrying") else None,
        "worker": row["job_lease_owner"],
        "lease_expires_at": row["job_lease_expires_at"] if status == "running" else None,
        "last_error": row["job_last_error"],
        "run_id": None if skipped else row["job_run_id"],
        "duplicate_of": row["job_run_id"] if skipped else None,
    }
