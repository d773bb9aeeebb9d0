"""Record audit events (one helper every use case calls) and list them for admins."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.audit import repository as repo
from hotelreviews.audit.context import Actor, current_origin
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.core.pagination import PageRequest, page_body

logger = logging.getLogger("hotelreviews.audit")

Outcome = Literal["success", "failure", "denied"]


async def record(
    connection: AsyncConnection,
    *,
    action: str,
    outcome: Outcome = "success",
    target_kind: str | None = None,
    target_id: int | str | None = None,
    actor: Actor | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Insert one event in the caller's transaction: it commits or rolls back with the action.

    The actor is the acting context's (audit.context) unless given (a login acts as the user
    it signs in). `details` must hold no secret: callers pass names and ids, never passwords,
    tokens or keys.
    """
    origin = current_origin()
    actor = actor or origin.actor
    label = actor.label
    if actor.kind == "key" and actor.id is not None:
        # A key is named by its prefix (what `keys list` shows), not its owner-chosen name.
        label = await repo.api_key_prefix(connection, actor.id) or label
    await repo.insert_event(
        connection,
        occurred_at=utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=None if label is None else label[:200],
        action=action,
        target_kind=target_kind,
        target_id=None if target_id is None else str(target_id)[:200],
        outcome=outcome,
        client_address=origin.client_address,
        request_id=origin.request_id,
        details=details,
    )


async def record_alone(engine: AsyncEngine, **event: Any) -> None:
    """Record a failure or a denial in a transaction of its own (nothing else to commit)."""
    async with write_transaction(engine) as connection:
        await record(connection, **event)


@dataclass(frozen=True, slots=True)
class EventFilters:
    action: str | None = None
    actor_kind: str | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_events(
    *, engine: AsyncEngine, page: PageRequest, filters: EventFilters
) -> dict[str, Any]:
    """Events, newest first."""
    async with read_transaction(engine) as connection:
        rows, next_cursor, total = await repo.list_events(
            connection,
            page=page,
            action=filters.action,
            actor_kind=filters.actor_kind,
            actor_id=filters.actor_id,
            since=filters.since,
            until=filters.until,
        )
    return page_body([_event(row._mapping) for row in rows], next_cursor, total, page=page)


def _event(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "occurred_at": row["occurred_at"],
        "actor": {"kind": row["actor_kind"], "id": row["actor_id"], "label": row["actor_label"]},
        "action": row["action"],
        "target": None
        if row["target_kind"] is None
        else {"kind": row["target_kind"], "id": row["target_id"]},
        "outcome": row["outcome"],
        "client_address": row["client_address"],
        "request_id": row["request_id"],
        "details": row["details"],
    }
