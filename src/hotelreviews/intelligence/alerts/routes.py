"""`GET /api/v1/alerts`: alerts raised on hotels, newest first, for managers and analysts
(security.policies); `PATCH /api/v1/alerts/{alert_id}`: acknowledge, resolve or open one
again (intelligence.alerts.states). A manager sees and changes the alerts of their own hotels
only; analysts and admins, every hotel's (security.hotel_scope).

Not cacheable and sent with `Cache-Control: no-store`: an alert is read from the primary the
moment the batch that raised it (or the change that set its state) commits.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from hotelreviews.api.deps import BIGINT_MAX, Db, Since, Until
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.responses import json_response
from hotelreviews.intelligence.alerts import service, states
from hotelreviews.intelligence.alerts.schemas import (
    AlertKind,
    AlertPage,
    AlertRead,
    AlertStatus,
    AlertStatusChange,
    Aspect,
)
from hotelreviews.protection.expensive import Page
from hotelreviews.security.gate import PolicyFirstRoute
from hotelreviews.security.hotel_scope import hotel_scope
from hotelreviews.security.http import CurrentIdentity

# Policy first: an anonymous PATCH gets 401 whatever its body (security.gate).
router = APIRouter(prefix="/alerts", tags=["alerts"], route_class=PolicyFirstRoute)
AlertId = Annotated[int, Path(ge=1, le=BIGINT_MAX, examples=[1])]


async def _filters(
    hotel_id: Annotated[int | None, Query(ge=1, le=BIGINT_MAX, examples=[1])] = None,
    kind: AlertKind | None = None,
    aspect: Aspect | None = None,
    since: Annotated[Since | None, Query(description="Date or datetime, inclusive.")] = None,
    until: Annotated[Until | None, Query(description="Date (whole day) or datetime.")] = None,
    status: Annotated[
        list[AlertStatus] | None,
        Query(max_length=3, description="Only alerts in these states (repeat); default: all."),
    ] = None,
) -> service.AlertFilters:
    return service.AlertFilters(
        hotel_id=hotel_id,
        kind=kind,
        aspect=aspect,
        since=since,
        until=until,
        statuses=frozenset(status or ()),
    )


def _unstored(body: object) -> Response:
    response = json_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("", response_model=AlertPage, responses=NOT_FOUND)
async def list_alerts(
    db: Db,
    identity: CurrentIdentity,
    page: Page,
    filters: Annotated[service.AlertFilters, Depends(_filters)],
) -> Response:
    """Rating drops, volume bursts, aspect deterioration and suspicious duplicates, newest
    first; filter by hotel, kind, aspect, detection time and state. A manager gets their
    hotels' alerts only."""
    return _unstored(
        await service.list_alerts(
            engine=db, page=page, filters=filters, scope=hotel_scope(identity)
        )
    )


@router.patch("/{alert_id}", response_model=AlertRead, responses=NOT_FOUND)
async def change_alert_status(
    request: Request, db: Db, identity: CurrentIdentity, alert_id: AlertId, body: AlertStatusChange
) -> Response:
    """Acknowledge an alert, resolve it, or open it again, with an optional note. Setting the
    state it has changes nothing (200, the alert as it is). 404 for an unknown alert, and for
    another hotel's alert when a manager asks."""
    change = states.StatusChange(status=body.status, note=body.note, changed_by=identity.key)
    return _unstored(
        await states.change_status(
            engine=db,
            settings=request.app.state.settings,
            alert_id=alert_id,
            change=change,
            scope=hotel_scope(identity),
        )
    )
