"""Liveness (the process answers), readiness (the database answers, schema is current; the
cache state reported, never fatal) and, for admins, every dependency in detail."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews import __version__
from hotelreviews.api.problem_details import PROBLEM_JSON, Problem, problem_response
from hotelreviews.api.responses import json_response
from hotelreviews.app import health_probes, recovery_probe
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


class DependencyHealth(BaseModel):
    name: str = Field(description="primary, replica-1, replica-2…, redis", examples=["replica-1"])
    role: Literal["primary", "replica", "cache"]
    status: Literal["ok", "degraded", "failing"]
    latency_ms: float | None = Field(description="Time to answer the probe; null if it did not.")
    detail: str | None = Field(
        description="Why it is not ok, or what it is (server version).",
        examples=["PostgreSQL 16.4"],
    )
    in_use: bool | None = Field(
        default=None, description="Replicas: whether reads go there right now."
    )
    lag_seconds: float | None = Field(default=None, description="Replicas: replay lag.")
    lag_bytes: int | None = Field(default=None, description="Replicas: WAL received, not replayed.")
    region: str | None = Field(
        default=None,
        description="Databases: the server's region (its cluster_name), when it has one.",
        examples=["eu-west-1"],
    )
    lag_budget_seconds: float | None = Field(
        default=None, description="Replicas: the replay lag past which reads skip it."
    )
    within_lag_budget: bool | None = Field(
        default=None, description="Replicas: the lag is within the budget; null when unknown."
    )


class StandbyHealth(BaseModel):
    name: str = Field(description="The standby's cluster_name (its region).", examples=["eu"])
    state: str | None = Field(
        description="streaming, catchup, startup, backup; null if the database user may not "
        "see it (grant pg_monitor).",
        examples=["streaming"],
    )
    sync_state: str | None = Field(examples=["async"])
    lag_bytes: int | None = Field(description="WAL the primary wrote that it has not replayed.")
    lag_seconds: float | None = Field(
        description="Replay lag as the primary measures it; null once caught up and idle."
    )


class WalArchiveHealth(BaseModel):
    status: Literal["ok", "off", "failing"] = Field(
        description="off: archive_mode is off; failing: the last attempt failed."
    )
    archived_count: int
    last_archived_wal: str | None = Field(examples=["000000010000000000000003"])
    last_archived_at: datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_at: datetime | None


class RecoveryHealth(BaseModel):
    status: Literal["ok", "degraded", "failing"] = Field(
        description="degraded when archiving is off or failing, a standby is not streaming, or "
        "replicas are configured and none streams; failing when the primary did not answer."
    )
    problems: list[str] = Field(description="Why it is not ok, one sentence each.")
    timeline: int | None = Field(
        description="The primary's timeline: each promotion (switchover, failover) adds one.",
        examples=[1],
    )
    standbys: list[StandbyHealth] = Field(description="What the primary streams to now.")
    wal_archive: WalArchiveHealth | None


class DeepHealth(BaseModel):
    status: Literal["ok", "degraded", "failing"] = Field(
        description="failing (503) when the primary is; degraded when a replica or Redis is."
    )
    version: str = Field(examples=["0.1.0"])
    region: str = Field(examples=["eu-west-1"])
    primary_here: bool = Field(
        description="This region's own database server is the primary (as /health/primary)."
    )
    dependencies: list[DependencyHealth]
    disaster_recovery: RecoveryHealth | None = Field(
        description="The primary's timeline, standbys and WAL archive; null on SQLite."
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
        disaster_recovery=_recovery_health(recovery),
    )
    # no-store: a health report must never be served from a cache.
    response = json_response(
        body.model_dump(mode="json"), status_code=503 if status == "failing" else 200
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _recovery_health(probe: recovery_probe.RecoveryProbe | None) -> RecoveryHealth | None:
    if probe is None:
        return None
    archive = probe.archive
    return RecoveryHealth(
        status=probe.status,
        problems=probe.problems,
        timeline=probe.timeline,
        standbys=[
            StandbyHealth.model_validate(standby, from_attributes=True)
            for standby in probe.standbys
        ],
        wal_archive=None
        if archive is None or probe.archive_status is None
        else WalArchiveHealth(
            status=probe.archive_status,
            archived_count=archive.archived_count,
            last_archived_wal=archive.last_archived_wal,
            last_archived_at=archive.last_archived_at,
            failed_count=archive.failed_count,
            last_failed_wal=archive.last_failed_wal,
            last_failed_at=archive.last_failed_at,
        ),
    )
