"""People acting on alerts: acknowledge one (someone is on it), resolve it (dealt with), or open
it again (it was not).

Any state may follow any other: a resolved problem that is back is opened again rather than
raised twice (its key is the same), and a mistaken click is undone the same way. Setting the
state an alert already has changes nothing and says so with the alert as it is (200): a PATCH
sets a state, so a retried request or a second person's click on a list not yet refreshed
gets the same answer, not an error, and the alert shows who changed it first.

A change commits with its audit event and an `alert` event in the outbox (events.outbox),
which open dashboards and event streams receive like a new alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.audit import service as audit
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import write_transaction
from hotelreviews.core.errors import AlertNotFound
from hotelreviews.core.settings import Settings
from hotelreviews.events.notify import announce
from hotelreviews.events.outbox import NewEvent, record_events
from hotelreviews.intelligence.alerts import repository as repo
from hotelreviews.intelligence.alerts.service import alert_body
from hotelreviews.observability.metrics import ALERT_STATUS_CHANGES
from hotelreviews.security.hotel_scope import HotelScope


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: str
    note: str | None
    changed_by: str  # the Identity.key of who asks


async def change_status(
    *,
    engine: AsyncEngine,
    settings: Settings,
    alert_id: int,
    change: StatusChange,
    scope: HotelScope,
) -> dict[str, Any]:
    """The alert with its new state; AlertNotFound for an unknown alert and for one of a hotel
    outside the scope (ids of other hotels' alerts tell nothing)."""
    last_event = None
    async with write_transaction(engine) as connection:
        row = await repo.get_for_update(connection, alert_id)
        hotels = await scope.hotel_ids(connection)
        if row is None or (hotels is not None and row.hotel_id not in hotels):
            raise AlertNotFound(alert_id)
        if row.status == change.status:
            return alert_body(row._mapping)
        previous, now = row.status, utcnow()
        row = await repo.set_status(
            connection,
            alert_id,
            status=change.status,
            changed_at=now,
            changed_by=change.changed_by,
            note=change.note,
        )
        await audit.record(
            connection,
            action="alert.status_change",
            target_kind="alert",
            target_id=alert_id,
            details={
                "hotel_id": row.hotel_id,
                "from": previous,
                "to": change.status,
                "note": change.note,
            },
        )
        last_event = await record_events(
            connection,
            events=[
                NewEvent(
                    "alert",
                    row.hotel_id,
                    {
                        "alert_id": alert_id,
                        "kind": row.kind,
                        "aspect": row.aspect,
                        "status": change.status,
                        "previous_status": previous,
                        "status_changed_by": change.changed_by,
                    },
                    occurred_at=now,
                )
            ],
        )
    ALERT_STATUS_CHANGES.labels(status=change.status).inc()
    await announce(settings=settings, up_to=last_event)
    return alert_body(row._mapping)
