"""Liveness (the process answers) and readiness (the database answers, schema is current)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from hotelreviews.api.problems import PROBLEM_JSON, Problem, problem_response
from hotelreviews.api.responses import json_response
from hotelreviews.core import migrations

logger = logging.getLogger("hotelreviews.api")
router = APIRouter(tags=["health"])
READINESS_TIMEOUT_SECONDS = 2.0
_LIVE = json_response({"status": "ok"}).body


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    database: str = Field(examples=["ok"])
    schema_revision: str | None = Field(examples=["0001"])


@router.get("/livez", response_model=Liveness)
async def livez() -> Response:
    """The process is up and serving (does not touch the database)."""
    return Response(_LIVE, media_type="application/json")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Problem, "description": "Not ready", "content": {PROBLEM_JSON: {}}}},
)
async def readyz(request: Request) -> Response:
    """Ready for traffic: the database answers and its schema is the one this code needs."""
    expected = request.app.state.head_revision
    try:
        revision = await asyncio.wait_for(
            migrations.current_revision(request.app.state.engine), READINESS_TIMEOUT_SECONDS
        )
    except Exception as exc:  # any failure to reach the database means "not ready"
        logger.warning("readiness check failed: %r", exc)
        return problem_response(
            status=503,
            code="database_unavailable",
            detail="the database did not answer",
            instance=request.url.path,
        )
    if revision != expected:
        return problem_response(
            status=503,
            code="schema_outdated",
            detail=f"database schema is at {revision or 'no revision'}, this version needs "
            f"{expected}: run `hotelreviews migrate upgrade`",
            instance=request.url.path,
        )
    return json_response({"status": "ready", "database": "ok", "schema_revision": revision})
