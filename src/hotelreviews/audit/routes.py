"""`GET /api/v1/audit-events`: the audit log for admins (security.policies), newest first.

Not cacheable (no CacheableRoute) and sent with `Cache-Control: no-store`: it is read from
the primary so that an admin sees an action the moment it is committed.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AfterValidator

from hotelreviews.api.deps import Db, Since, Until
from hotelreviews.api.problem_details import PROBLEMS
from hotelreviews.api.responses import json_response
from hotelreviews.audit import service
from hotelreviews.audit.schemas import AuditEventPage
from hotelreviews.protection.expensive import Page

router = APIRouter(prefix="/audit-events", tags=["audit"])
_ACTOR = re.compile(r"^(user|key|anonymous|cli|system)(:([1-9][0-9]{0,17}))?$")


def _actor(value: str) -> str:
    if not _ACTOR.match(value):
        raise ValueError("expected user:<id>, key:<id>, or a kind: anonymous, cli or system")
    return value


async def _filters(
    action: Annotated[
        str | None,
        Query(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=64, examples=["auth.login_failed"]),
    ] = None,
    actor: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=_ACTOR.pattern,
            description="user:<id>, key:<id>, or a kind (cli, anonymous…).",
        ),
        AfterValidator(lambda value: None if value is None else _actor(value)),
    ] = None,
    since: Annotated[Since | None, Query(description="Date or datetime, inclusive.")] = None,
    until: Annotated[Until | None, Query(description="Date (whole day) or datetime.")] = None,
) -> service.EventFilters:
    actor_kind = actor_id = None
    if actor is not None:
        kind, _, number = actor.partition(":")
        actor_kind, actor_id = kind, int(number) if number else None
    return service.EventFilters(
        action=action, actor_kind=actor_kind, actor_id=actor_id, since=since, until=until
    )


@router.get("", response_model=AuditEventPage, responses=PROBLEMS)
async def list_audit_events(
    db: Db, page: Page, filters: Annotated[service.EventFilters, Depends(_filters)]
) -> Response:
    """Recorded actions (logins, users, keys, ingestions, denials), newest first."""
    response = json_response(await service.list_events(engine=db, page=page, filters=filters))
    response.headers["Cache-Control"] = "no-store"
    return response
