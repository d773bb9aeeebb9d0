"""The SQL of alerts: store new ones (once per key), list them newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of
from hotelreviews.intelligence.alerts.tables import alerts

a = alerts.c
NEWEST_FIRST = KeysetOrder(
    "alerts:newest", (SortKey(a.detected_at, True, "datetime"), SortKey(a.id, True, "int"))
)


async def insert_new(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Insert the rows whose alert_key is not stored yet; the kinds of those inserted."""
    if not rows:
        return []
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(alerts)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=[a.alert_key])
        .returning(a.kind)
    )
    return list((await connection.execute(statement)).scalars())


def _filtered(
    *,
    hotel_id: int | None,
    kind: str | None,
    aspect: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    conditions = []
    if hotel_id is not None:
        conditions.append(a.hotel_id == hotel_id)
    if kind is not None:
        conditions.append(a.kind == kind)
    if aspect is not None:
        conditions.append(a.aspect == aspect)
    if since is not None:
        conditions.append(a.detected_at >= since)
    if until is not None:
        conditions.append(a.detected_at <= until)
    return sa.and_(sa.true(), *conditions)


async def list_alerts(
    connection: AsyncConnection, *, page: PageRequest, **filters: Any
) -> tuple[list[Row[Any]], str | None, int | None]:
    where = _filtered(**filters)
    statement = NEWEST_FIRST.apply(sa.select(alerts).where(where), page)
    rows = (await connection.execute(statement)).all()
    total = None
    if page.include_total:
        counted = count_of(sa.select(a.id).where(where), page)
        total = (await connection.execute(counted)).scalar_one()
    shown, next_cursor = NEWEST_FIRST.page(rows, page.limit)
    return list(shown), next_cursor, total
