"""The read side of ingestion for the API: its SQL and its use cases (writes live elsewhere).

An ingestion is an `ingested_files` row: a run of `hotelreviews ingest`, or one queued for
the worker, whose queue state (`ingestion_jobs`, same id) and whose run (usually itself; an
earlier run of the same content it resumed or found done) are joined in.

Every read takes the caller's IngestionView (ingestion.access): an ingestion outside it is
not found, and the source URI shown is always the redacted one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import IngestionNotFound
from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of, page_body
from hotelreviews.ingestion.access import IngestionView
from hotelreviews.ingestion.remote import redact_url
from hotelreviews.ingestion.tables import ingested_files, rejected_lines
from hotelreviews.jobs.tables import ingestion_jobs

f, rl, j = ingested_files.c, rejected_lines.c, ingestion_jobs.c
_run = ingested_files.alias("run")
_RUN_COLUMNS = (
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
_INGESTIONS = sa.select(
    ingested_files,
    *(j[name].label(f"job_{name}") for name in _JOB_COLUMNS),
    *(_run.c[name].label(f"run_{name}") for name in _RUN_COLUMNS),
).select_from(
    ingested_files.outerjoin(ingestion_jobs, j.id == f.id).outerjoin(
        _run, sa.and_(_run.c.id == j.run_id, _run.c.id != f.id)
    )
)
NEWEST_FIRST = KeysetOrder(
    "ingestions:newest", (SortKey(f.started_at, True, "datetime"), SortKey(f.id, True, "int"))
)
BY_LINE = KeysetOrder("rejected:line", (SortKey(rl.line_number, False, "int"),))


def _visible(view: IngestionView) -> sa.ColumnElement[bool]:
    return sa.true() if view.owner is None else f.created_by == view.owner


async def list_ingestions(
    *, engine: AsyncEngine, page: PageRequest, view: IngestionView
) -> dict[str, Any]:
    """Ingestion runs the caller may see, newest first."""
    async with read_transaction(engine) as connection:
        statement = NEWEST_FIRST.apply(_INGESTIONS.where(_visible(view)), page)
        rows = (await connection.execute(statement)).all()
        total = None
        if page.include_total:
            counted = sa.select(f.id).where(_visible(view))
            total = (await connection.execute(count_of(counted, page))).scalar_one()
    rows, next_cursor = NEWEST_FIRST.page(rows, page.limit)
    return page_body([_ingestion(row._mapping) for row in rows], next_cursor, total, page=page)


async def get_ingestion(
    *, engine: AsyncEngine, ingestion_id: int, view: IngestionView
) -> dict[str, Any]:
    """One ingestion run with its counts (not found outside the caller's view)."""
    async with read_transaction(engine) as connection:
        return await ingestion_in(connection, ingestion_id, view=view)


async def ingestion_in(
    connection: AsyncConnection, ingestion_id: int, *, view: IngestionView
) -> dict[str, Any]:
    """One ingestion run with its counts, as `connection`'s transaction sees it."""
    statement = _INGESTIONS.where(f.id == ingestion_id, _visible(view))
    row = (await connection.execute(statement)).first()
    if row is None:
        raise IngestionNotFound(ingestion_id)
    return _ingestion(row._mapping)


async def list_rejected_lines(
    *, engine: AsyncEngine, ingestion_id: int, page: PageRequest, view: IngestionView
) -> dict[str, Any]:
    """The lines an ingestion rejected, by line number (a queued ingestion's are those of the
    run it resumed, if any); excerpts only where the view shows them."""
    async with read_transaction(engine) as connection:
        found = await _run_of(connection, ingestion_id, view)
        if found is None:
            raise IngestionNotFound(ingestion_id)
        run_id, created_by = found
        base = sa.select(rl.line_number, rl.reason, rl.message, rl.excerpt).where(
            rl.file_id == run_id
        )
        rows = (await connection.execute(BY_LINE.apply(base, page))).all()
        total = None
        if page.include_total:
            total = (await connection.execute(count_of(base, page))).scalar_one()
    rows, next_cursor = BY_LINE.page(rows, page.limit)
    excerpts = view.shows_excerpts_of(created_by)
    items = [
        {
            "line_number": r.line_number,
            "reason": r.reason,
            "message": r.message,
            "excerpt": r.excerpt if excerpts else None,
        }
        for r in rows
    ]
    return page_body(items, next_cursor, total, page=page)


async def _run_of(
    connection: AsyncConnection, ingestion_id: int, view: IngestionView
) -> tuple[int, str | None] | None:
    """The run holding an ingestion's lines (its job's resumed run, else itself) and who
    queued the ingestion; None if there is no such ingestion in the view."""
    statement = (
        sa.select(f.id, j.run_id, f.status, f.created_by)
        .select_from(ingested_files.outerjoin(ingestion_jobs, j.id == f.id))
        .where(f.id == ingestion_id, _visible(view))
    )
    row = (await connection.execute(statement)).first()
    if row is None:
        return None
    # A skipped one read nothing: the lines are the earlier run's, not its own.
    run_id = row.run_id if row.run_id is not None and row.status != "skipped" else row.id
    return run_id, row.created_by


def _ingestion(row: Mapping[str, Any]) -> dict[str, Any]:
    queued = row["job_status"] is not None
    status = row["job_status"] if queued else row["status"]
    skipped = row["status"] == "skipped"  # its content was ingested already, by job.run_id
    # The row holding the lines read: the run this one resumed, else itself (zero counts
    # for a skipped one, which read none).
    resumed = row["run_status"] is not None and not skipped
    run = {name: row[f"run_{name}"] if resumed else row[name] for name in _RUN_COLUMNS}
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
