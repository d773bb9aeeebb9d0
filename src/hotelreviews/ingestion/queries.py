"""The read side of ingestion for the API: its SQL and its use cases (writes live elsewhere)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import IngestionNotFound
from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of, page_body
from hotelreviews.ingestion.tables import ingested_files, rejected_lines

f, rl = ingested_files.c, rejected_lines.c
NEWEST_FIRST = KeysetOrder(
    "ingestions:newest", (SortKey(f.started_at, True, "datetime"), SortKey(f.id, True, "int"))
)
BY_LINE = KeysetOrder("rejected:line", (SortKey(rl.line_number, False, "int"),))


async def list_ingestions(*, engine: AsyncEngine, page: PageRequest) -> dict[str, Any]:
    """Ingestion runs, newest first."""
    async with read_transaction(engine) as connection:
        statement = NEWEST_FIRST.apply(sa.select(ingested_files), page)
        rows = (await connection.execute(statement)).all()
        total = None
        if page.include_total:
            total = (await connection.execute(count_of(sa.select(f.id)))).scalar_one()
    rows, next_cursor = NEWEST_FIRST.page(rows, page.limit)
    return page_body([_ingestion(row._mapping) for row in rows], next_cursor, total)


async def get_ingestion(*, engine: AsyncEngine, ingestion_id: int) -> dict[str, Any]:
    """One ingestion run with its counts."""
    async with read_transaction(engine) as connection:
        statement = sa.select(ingested_files).where(f.id == ingestion_id)
        row = (await connection.execute(statement)).first()
    if row is None:
        raise IngestionNotFound(ingestion_id)
    return _ingestion(row._mapping)


async def list_rejected_lines(
    *, engine: AsyncEngine, ingestion_id: int, page: PageRequest
) -> dict[str, Any]:
    """The lines an ingestion rejected, by line number."""
    base = sa.select(rl.line_number, rl.reason, rl.message, rl.excerpt).where(
        rl.file_id == ingestion_id
    )
    async with read_transaction(engine) as connection:
        rows = (await connection.execute(BY_LINE.apply(base, page))).all()
        if not rows and not await _exists(connection, ingestion_id):
            raise IngestionNotFound(ingestion_id)
        total = None
        if page.include_total:
            total = (await connection.execute(count_of(base))).scalar_one()
    rows, next_cursor = BY_LINE.page(rows, page.limit)
    items = [
        {
            "line_number": r.line_number,
            "reason": r.reason,
            "message": r.message,
            "excerpt": r.excerpt,
        }
        for r in rows
    ]
    return page_body(items, next_cursor, total)


async def _exists(connection: AsyncConnection, ingestion_id: int) -> bool:
    result = await connection.execute(sa.select(f.id).where(f.id == ingestion_id))
    return result.first() is not None


def _ingestion(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "source_uri": row["source_uri"],
        "display_name": row["display_name"],
        "size_bytes": row["size_bytes"],
        "checksum": row["checksum"],
        "status": row["status"],
        "forced": row["forced"],
        "counts": {
            "lines_done": row["lines_done"],
            "blank": row["lines_blank"],
            "new": row["reviews_new"],
            "updated": row["reviews_updated"],
            "unchanged": row["reviews_unchanged"],
            "rejected": row["lines_rejected"],
            "rejected_by_reason": row["rejected_by_reason"] or {},
        },
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "duration_seconds": row["duration_seconds"],
        "lines_per_second": row["lines_per_second"],
        "error": row["error"],
    }
