"""Liveness (the process answers), readiness (the database answers, schema is current; the
cache state reported, never fatal) and, for admins, every dependency in detail."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews import __version__
from hotelreviews.api.problem_details import PROBLEM_JSON, Problem, problem_response
from hotelreviews.api.responses import json_response
from hotelreviews.app import health_probes, recovery_probe
from hotelreviews.app.deep_health_schema import DeepHealth, DependencyHealth, recovery_health
from hotelreviews.core import migrations

logger = logging.getLogger("hotelreviews.api")
router = APIRouter(tags=["health"])
READINESS_TIMEOUT_SECONDS = 2.0
# With a replica to fall back on, the primary gets this long before the replica's answer counts.
PRIMARY_WAIT_WITH_REPLICA_SECONDS = 1.0
_LIVE = json_response({"status": "ok"}).body
_PRIMARY_HERE = json_response({"status": "primary-here"}).body


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    database: Literal["ok", "read-only"] = Field(
        description="ok; read-only while the primary is unavailable and a replica serves "
        "reads (writes get 503 with Retry-After until a primary is back).",
        examples=["ok"],
    )
    schema_revision: str | None = Field(examples=["0001"])
    cache: Literal["off", "memory", "ok", "degraded"] = Field(
        description="The response cache: off; memory only (no Redis); ok (Redis in use); "
        "degraded (Redis configured but failing). Never makes the process unready.",
        examples=["ok"],
    )


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
    """Ready for traffic: the database answers (the primary, or a replica for reads while the
    primary is unavailable) and its schema is the one this code needs."""
    expected = request.app.state.head_revision
    # The primary and the read target (the region's replica) are asked at once: a primary in
    # another region — reached after a switchover through several round trips per host the
    # driver tries — must not keep the answer past the balancer's check timeout while the
    # replica, which serves the reads, has answered.
    primary = asyncio.create_task(_revision(request.app.state.router.primary.engine))
    target = await request.app.state.router.choose()
    replica = asyncio.create_task(_revision(target.engine)) if target.role == "replica" else None
    database = "ok"
    try:
        revision = await asyncio.wait_for(
            asyncio.shield(primary),
            PRIMARY_WAIT_WITH_REPLICA_SECONDS if replica else READINESS_TIMEOUT_SECONDS,
        )
    except Exception as exc:
        # The primary is lost, being replaced or slow: while a replica serves reads the
        # process stays in its load balancer (writes get 503 with Retry-After meanwhile).
        revision = await _answer(replica) if replica else None
        if revision is None:
            logger.warning("readiness check failed: %r", exc)
            return problem_response(
                status=503,
                code="database_unavailable",
                detail="the database did not answer",
                instance=request.url.path,
            )
        database = "ok" if primary.done() and not primary.exception() else "read-only"
    finally:
        for task in (primary, replica):
            if task is None:
                continue
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()  # seen: no "exception never retrieved" warning
    if revision != expected:
        return problem_response(
            status=503,
            code="schema_outdated",
            detail=f"database schema is at {revision or 'no revision'}, this version needs "
            f"{expected}: run `hotelreviews migrate upgrade`",
            instance=request.url.path,
        )
    return json_response(
        {
            "status": "ready",
            "database": database,
            "schema_revision": revision,
            "cache": health_probes.cache_state(request.app.state.cache),
        }
    )


async def _revision(engine: AsyncEngine) -> str | None:
    return await asyncio.wait_for(migrations.current_revision(engine), READINESS_TIMEOUT_SECONDS)


async def _answer(task: asyncio.Task[str | None]) -> str | None:
    """The replica's revision; None when it did not answer either."""
    try:
        return await task
    except Exception as exc:
        logger.warning("readiness check on the replica failed: %r", exc)
        return None


class PrimaryHere(BaseModel):
    status: Literal["primary-here"] = Field(examples=["primary-here"])


@router.get(
    "/health/primary",
    response_model=PrimaryHere,
    responses={
        503: {
            "model": Problem,
            "description": "The primary is elsewhere",
            "content": {PROBLEM_JSON: {}},
        }
    },
)
async def primary_here(request: Request) -> Response:
    """200 when this region's own database server (its first read target) is the primary,
    as the last replica check found it; 503 otherwise. A global load balancer sends writes
    to the region that answers 200, so they do not cross an ocean once per statement. A
    deployment without replicas has its primary here."""
    if not health_probes.primary_is_here(request.app.state.router):
        return problem_response(
            status=503,
            code="primary_elsewhere",
            detail="this region's database server is not the primary",
            instance=request.url.path,
        )
    return Response(_PRIMARY_HERE, media_type="application/json")


@router.get(
    "/health/deep",
    response_model=DeepHealth,
    responses={503: {"model": DeepHealth, "description": "The primary database is failing"}},
)
async def deep_health(request: Request) -> Response:
    """Every dependency probed now, with its latency and role (admins only): the primary,
    each replica with its replay lag against its budget, Redis; and the disaster-recovery
    state the primary reports. 200 unless the primary is failing."""
    state = request.app.state
    probes, recovery = await asyncio.gather(
        health_probes.probe_all(state.router, state.cache),
        recovery_probe.probe_recovery(state.router),
    )
    status = health_probes.overall(probes)
    body = DeepHealth(
        status=status,
        version=__version__,
        region=state.settings.region,
        primary_here=health_probes.primary_is_here(state.router),
        dependencies=[
            DependencyHealth.model_validate(probe, from_attributes=True) for probe in probes
        ],
        disaster_recovery=recovery_health(recovery),
    )
    # no-store: a health report must never be served from a cache.
    response = json_response(
        body.model_dump(mode="json"), status_code=503 if status == "failing" else 200
    )
    response.headers["Cache-Control"] = "no-store"
    return response
