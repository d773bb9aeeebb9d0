"""The SQL of the audit log: insert an event, and list events. Nothing updates or deletes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.audit.tables import audit_events
from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of
from hotelreviews.security.tables import api_keys

e = audit_events.c
NEWEST_FIRST = KeysetOrder(
    "audit:newest", (SortKey(e.occurred_at, True, "datetime"), SortKey(e.id, True, "int"))
)


async def insert_event(connection: AsyncConnection, **values: Any) -> int:
    result = await connection.execute(sa.insert(audit_events).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def api_key_prefix(connection: AsyncConnection, key_id: int) -> str | None:
    statement = sa.select(api_keys.c.prefix).where(api_keys.c.id == key_id)
    return (await connection.execute(statement)).scalar_one_or_none()


def _filtered(
    *,
    action: str | None,
    actor_kind: str | None,
    actor_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    conditions = []
    if action is not None:
        conditions.append(e.action == action)
    if actor_kind is not None:
        conditions.append(e.actor_kind == actor_kind)
    if actor_id is not None:
        conditions.append(e.actor_id == actor_id)
    if since is not None:
        conditions.append(e.occurred_at >= since)
    if until is not None:
        conditions.append(e.occurred_at <= until)
    return sa.and_(sa.true(), *conditions)


async def list_events(
    connection: AsyncConnection, *, page: PageRequest, **filters: Any
) -> tuple[list[Row[Any]], str | None, int | None]:
    where = _filtered(**filters)
    statement = NEWEST_FIRST.apply(sa.select(audit_events).where(where), page)
    rows = (await connection.execute(statement)).all()
    total = None
    if page.include_total:
        counted = count_of(sa.select(e.id).where(where), page)
        total = (await connection.execute(counted)).scalar_one()
    shown, next_cursor = NEWEST_FIRST.page(rows, page.limit)
    return list(shown), next_cursor, total
