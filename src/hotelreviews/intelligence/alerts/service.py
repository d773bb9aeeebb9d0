"""Store the alerts detectors raise (each once) and list them for managers and analysts (a
manager: their hotels' only, security.hotel_scope); their states change in alerts.states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import HotelNotFound
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.hotels.repository import hotel_exists
from hotelreviews.intelligence.alerts import repository as repo
from hotelreviews.observability.metrics import ALERTS_RAISED
from hotelreviews.security.hotel_scope import EVERY_HOTEL, HotelScope


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert as a detector raises it; `key` names it for good (hotel, kind, onset…)."""

    key: str
    hotel_id: int
    kind: str
    onset: date
    detected_at: datetime
    severity: float
    message: str
    aspect: str | None = None
    review_id: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


async def record_alerts(connection: AsyncConnection, *, raised: Sequence[NewAlert]) -> int:
    """Store the alerts not stored yet, in the caller's transaction; how many were new.

    Counted in Prometheus only once stored: an alert raised again by a later batch (the same
    key) is neither stored nor counted twice.
    """
    rows = [
        {
            "alert_key": alert.key,
            "hotel_id": alert.hotel_id,
            "kind": alert.kind,
            "aspect": alert.aspect,
            "review_id": alert.review_id,
            "onset": alert.onset,
            "detected_at": alert.detected_at,
            "severity": alert.severity,
            "message": alert.message,
            "evidence": alert.evidence,
        }
        for alert in raised
    ]
    stored = await repo.insert_new(connection, rows)
    for kind in stored:
        ALERTS_RAISED.labels(kind=kind).inc()
    return len(stored)


@dataclass(frozen=True, slots=True)
class AlertFilters:
    hotel_id: int | None = None
    kind: str | None = None
    aspect: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    statuses: frozenset[str] = frozenset()  # empty: every state


async def list_alerts(
    *,
    engine: AsyncEngine,
    page: PageRequest,
    filters: AlertFilters,
    scope: HotelScope = EVERY_HOTEL,
) -> dict[str, Any]:
    """Alerts in the scope's hotels, newest first; HotelNotFound when the filter names a hotel
    that does not exist (a hotel outside the scope: an empty page)."""
    async with read_transaction(engine) as connection:
        rows, next_cursor, total = await repo.list_alerts(
            connection,
            page=page,
            hotel_id=filters.hotel_id,
            in_hotels=await scope.hotel_ids(connection),
            statuses=filters.statuses,
            kind=filters.kind,
            aspect=filters.aspect,
            since=filters.since,
            until=filters.until,
        )
        hotel_id = filters.hotel_id
        if (
            not rows
            and hotel_id is not None
            and not await hotel_exists(connection, hotel_id=hotel_id)
        ):
            raise HotelNotFound(hotel_id)
    return page_body([alert_body(row._mapping) for row in rows], next_cursor, total, page=page)


def alert_body(row: Any) -> dict[str, Any]:
    """The alert as the API shows it (AlertRead), from its row's mapping."""
    return {
        "id": row["id"],
        "hotel_id": row["hotel_id"],
        "kind": row["kind"],
        "aspect": row["aspect"],
        "review_id": row["review_id"],
        "onset": row["onset"],
        "detected_at": row["detected_at"],
        "severity": row["severity"],
        "message": row["message"],
        "evidence": row["evidence"],
        "status": row["status"],
        "status_changed_at": row["status_changed_at"],
        "status_changed_by": row["status_changed_by"],
        "status_note": row["status_note"],
    }
