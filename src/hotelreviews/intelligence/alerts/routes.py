"""`GET /api/v1/alerts`: alerts raised on hotels, newest first, for managers and analysts
(security.policies).

Not cacheable and sent with `Cache-Control: no-store`: an alert is read from the primary the
moment the batch that raised it commits.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from hotelreviews.api.deps import BIGINT_MAX, Db, Since, Until
from hotelreviews.api.problem_details import NOT_FOUND
from hotelreviews.api.responses import json_response
from hotelreviews.intelligence.alerts import service
from hotelreviews.intelligence.alerts.schemas import AlertKind, AlertPage, Aspect
from hotelreviews.protection.expensive import Page

router = APIRouter(prefix="/alerts", tags=["alerts"])


async def _filters(
    hotel_id: Annotated[int | None, Query(ge=1, le=BIGINT_MAX, examples=[1])] = None,
    kind: AlertKind | None = None,
    aspect: Aspect | None = None,
    since: Annotated[Since | None, Query(description="Date or datetime, inclusive.")] = None,
    until: Annotated[Until | None, Query(description="Date (whole day) or datetime.")] = None,
) -> service.AlertFilters:
    return service.AlertFilters(
        hotel_id=hotel_id, kind=kind, aspect=aspect, since=since, until=until
    )


@router.get("", response_model=AlertPage, responses=NOT_FOUND)
async def list_alerts(
    db: Db, page: Page, filters: Annotated[service.AlertFilters, Depends(_filters)]
) -> Response:
    """Rating drops, volume bursts, aspect deterioration and suspicious duplicates, newest
    first; filter by hotel, kind, aspect and detection time."""
    response = json_response(await service.list_alerts(engine=db, page=page, filters=filters))
    response.headers["Cache-Control"] = "no-store"
    return response
