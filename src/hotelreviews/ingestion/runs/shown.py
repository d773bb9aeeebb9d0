"""An ingestion as the API shows it (IngestionRead), from a row of repository.py: the one
reading of a row's status, counts and progress, for GET /api/v1/ingestions and for the
"ingestion" events (progress_events.py), so the two never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotelreviews.ingestion.runs import repository
from hotelreviews.ingestion.sources.remote import redact_url


def ingestion_read(row: Mapping[str, Any]) -> dict[str, Any]:
    """An ingestion row (repository.py) as GET /api/v1/ingestions/{id} shows it."""
    queued = row["job_status"] is not None
    status = row["job_status"] if queued else row["status"]
    skipped = row["status"] == "skipped"  # its content was ingested already, by job.run_id
    # The row holding the lines read: the run this one resumed, else itself (zero counts
    # for a skipped one, which read none).
    resumed = row["run_status"] is not None and not skipped
    run = {name: row[f"run_{name}"] if resumed else row[name] for name in repository.RUN_COLUMNS}
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
