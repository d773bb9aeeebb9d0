"""All the SQL of the ingestions API's reads: ingestions, each with its queue state
(`ingestion_jobs`, same id) and the run holding its lines joined in (writing.ingestion_rows),
and their rejected lines; every ingestion statement limited to the caller's IngestionView
(access.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of
from hotelreviews.ingestion.runs.access import IngestionView
from hotelreviews.ingestion.tables import ingested_files, ingestion_jobs, rejected_lines
from hotelreviews.ingestion.writing.ingestion_rows import INGESTIONS

f, rl, j = ingested_files.c, rejected_lines.c, ingestion_jobs.c
NEWEST_FIRST = KeysetOrder(
    "ingestions:newest", (SortKey(f.started_at, True, "datetime"), SortKey(f.id, True, "int"))
)
BY_LINE = KeysetOrder("rejected:line", (SortKey(rl.line_number, False, "int"),))


def _visible(view: IngestionView) -> sa.ColumnElement[bool]:
    return sa.true() if view.owner is None else f.created_by == view.owner


async def list_ingestions(
    connection: AsyncConnection, *, page: PageRequest, view: IngestionView
) -> Sequence[Row[Any]]:
    """A page of the ingestions in the view, newest first (one row more than the page, to
    tell whether another follows: NEWEST_FIRST.page)."""
    statement = NEWEST_FIRST.apply(INGESTIONS.where(_visible(view)), page)
    return (await connection.execute(statement)).all()


async def count_ingestions(
    connection: AsyncConnection, *, page: PageRequest, view: IngestionView
) -> int:
    """How many ingestions the view holds."""
    counted = sa.select(f.id).where(_visible(view))
    return (await connection.execute(count_of(counted, page))).scalar_one()


async def ingestion(
    connection: AsyncConnection, ingestion_id: int, *, view: IngestionView
) -> Row[Any] | None:
    """One ingestion's row; None if there is no such ingestion in the view."""
    statement = INGESTIONS.where(f.id == ingestion_id, _visible(view))
    return (await connection.execute(statement)).first()


async def run_of(
    connection: AsyncConnection, ingestion_id: int, *, view: IngestionView
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


def _rejected_lines_of(run_id: int) -> sa.Select[Any]:
    return sa.select(rl.line_number, rl.reason, rl.message, rl.excerpt).where(rl.file_id == run_id)


async def list_rejected_lines(
    connection: AsyncConnection, *, run_id: int, page: PageRequest
) -> Sequence[Row[Any]]:
    """A page of a run's rejected lines, by line number (one row more than the page: BY_LINE)."""
    return (await connection.execute(BY_LINE.apply(_rejected_lines_of(run_id), page))).all()


async def count_rejected_lines(
    connection: AsyncConnection, *, run_id: int, page: PageRequest
) -> int:
    """How many lines a run rejected."""
    return (await connection.execute(count_of(_rejected_lines_of(run_id), page))).scalar_one()
