"""The SQL of alerts: store new ones (once per key), list them newest first, change a state."""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
    """Insert the rows whose alert_key is not stored yet; the kinds of those inserted.

    An alert stored already is left as it is, its state too: a resolved problem detected
    again under the same key stays resolved (a new problem has a new key).
    """
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
    in_hotels: Collection[int] | None,
    statuses: Collection[str] | None,
    kind: str | None,
    aspect: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    conditions = []
    if hotel_id is not None:
        conditions.append(a.hotel_id == hotel_id)
    if in_hotels is not None:
        conditions.append(a.hotel_id.in_(sorted(in_hotels)))
    if statuses:
        conditions.append(a.status.in_(sorted(statuses)))
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


async def get_for_update(connection: AsyncConnection, alert_id: int) -> Row[Any] | None:
    """The alert, locked until the caller's transaction ends (PostgreSQL; SQLite's writer
    holds the database): two people changing it at once take turns."""
    statement = sa.select(alerts).where(a.id == alert_id).with_for_update()
    return (await connection.execute(statement)).first()


async def set_status(
    connection: AsyncConnection,
    alert_id: int,
    *,
    status: str,
    changed_at: datetime,
    changed_by: str,
    note: str | None,
) -> Row[Any]:
    """Store the alert's new state; the alert as it is now."""
    statement = (
        sa.update(alerts)
        .where(a.id == alert_id)
        .values(
            status=status,
            status_changed_at=changed_at,
            status_changed_by=changed_by,
            status_note=note,
        )
        .returning(*alerts.c)
    )
    return (await connection.execute(statement)).one()
