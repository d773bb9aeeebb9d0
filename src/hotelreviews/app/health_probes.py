"""Probing each dependency for `/health/deep` and `/readyz`: reachable, how fast, in which role.

A probe measures now (it does not trust the router's last check) and never raises: a
dependency that fails or does not answer in time is reported failing, with the driver's
one-line message (no SQL, no URL: URLs carry passwords). Replicas are named by their
position in the configuration ("replica-1"), as the metrics name them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cache.runtime import ResponseCache
from hotelreviews.core.database import read_transaction
from hotelreviews.routing import DatabaseRouter, Replica
from hotelreviews.routing.replicas import describe_error, judge
from hotelreviews.routing.repository import SERVER_NAME, ReplicationStatus, replication_status

Status = Literal["ok", "degraded", "failing"]
CacheState = Literal["off", "memory", "ok", "degraded"]
T = TypeVar("T")

# A dependency slower than this to answer a trivial query is reported failing.
PROBE_TIMEOUT_SECONDS = 2.0

_PG_PRIMARY = sa.text(
    "SELECT pg_is_in_recovery() AS in_recovery, current_setting('server_version') AS version,"
    f" {SERVER_NAME} AS server_name"
)
_SQLITE_VERSION = sa.text("SELECT sqlite_version()")


@dataclass(frozen=True, slots=True)
class Probe:
    name: str  # primary, replica-1, replica-2…, redis
    role: Literal["primary", "replica", "cache"]
    status: Status
    latency_ms: float | None = None  # None when it did not answer
    detail: str | None = None  # why not ok, or what it is (server version)
    in_use: bool | None = None  # replicas: whether reads go there right now
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    region: str | None = None  # databases: the server's cluster_name (its region), if set
    lag_budget_seconds: float | None = None  # replicas: the lag past which reads skip it
    within_lag_budget: bool | None = None  # replicas: None when the lag is not known
    # Replicas: a read target not in recovery, the primary itself (in a cluster, each region
    # lists every server as a read target; the primary's region reads from its own).
    is_primary: bool | None = None


async def timed(call: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    """The call's result and how long it took in milliseconds; raises TimeoutError past the
    probe timeout."""
    started = time.perf_counter()
    async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
        result = await call()
    return result, round((time.perf_counter() - started) * 1000, 3)


async def probe_primary(engine: AsyncEngine) -> Probe:
    """The primary answers, and is a primary (a server in recovery would refuse writes)."""

    async def query() -> tuple[bool, str, str | None]:
        async with read_transaction(engine) as connection:
            if engine.dialect.name == "postgresql":
                row = (await connection.execute(_PG_PRIMARY)).one()
                return bool(row.in_recovery), f"PostgreSQL {row.version}", row.server_name
            version = (await connection.execute(_SQLITE_VERSION)).scalar_one()
            return False, f"SQLite {version}", None

    try:
        (in_recovery, version, region), latency = await timed(query)
    except Exception as exc:  # unreachable, refused, timed out: reported, never raised
        return Probe(name="primary", role="primary", status="failing", detail=describe_error(exc))
    if in_recovery:
        return Probe(
            name="primary",
            role="primary",
            status="failing",
            latency_ms=latency,
            detail=f"{version}, in recovery (a standby): writes would fail",
            region=region,
        )
    return Probe(
        name="primary",
        role="primary",
        status="ok",
        latency_ms=latency,
        detail=version,
        region=region,
    )


async def probe_replica(replica: Replica, *, number: int) -> Probe:
    """The replica answers and replays within the lag bound (degraded past it)."""
    name = f"replica-{number}"

    async def query() -> ReplicationStatus:
        async with read_transaction(replica.engine) as connection:
            return await replication_status(connection)

    try:
        status, latency = await timed(query)
    except Exception as exc:
        return Probe(
            name=name,
            role="replica",
            status="failing",
            detail=describe_error(exc),
            in_use=replica.usable,
            lag_budget_seconds=replica.max_lag_seconds,
        )
    health = judge(status, max_lag_seconds=replica.max_lag_seconds)
    lag = health.lag_seconds
    return Probe(
        name=name,
        role="replica",
        status="ok" if health.usable else "degraded",
        latency_ms=latency,
        detail=None if health.usable else health.reason,
        in_use=replica.usable,
        lag_seconds=lag,
        lag_bytes=health.lag_bytes,
        region=status.server_name,
        lag_budget_seconds=replica.max_lag_seconds,
        within_lag_budget=None if lag is None else lag <= replica.max_lag_seconds,
        is_primary=health.primary,
    )


async def probe_redis(cache: ResponseCache) -> Probe | None:
    """Redis answers PING (None when no Redis is configured). Sent straight to the client,
    past the breaker: the question is whether Redis answers now, not whether the app uses it.
    """
    if cache.link is None:
        return None
    client = cache.link.client
    try:
        _, latency = await timed(lambda: client.ping())
    except Exception as exc:
        return Probe(name="redis", role="cache", status="failing", detail=describe_error(exc))
    detail = None if cache.stats.subscribed else "not subscribed to invalidations"
    status: Status = "ok" if cache.stats.subscribed else "degraded"
    return Probe(name="redis", role="cache", status=status, latency_ms=latency, detail=detail)


async def probe_all(router: DatabaseRouter, cache: ResponseCache | None) -> list[Probe]:
    """Every dependency, probed concurrently: the primary, each replica, Redis."""
    probes: list[Awaitable[Probe | None]] = [probe_primary(router.primary.engine)]
    probes += [
        probe_replica(replica, number=number)
        for number, replica in enumerate(router.replicas, start=1)
    ]
    if cache is not None:
        probes.append(probe_redis(cache))
    return [probe for probe in await asyncio.gather(*probes) if probe is not None]


def primary_is_here(router: DatabaseRouter) -> bool:
    """This region's own database server (its first read target) is the primary, as the last
    replica check found it. A deployment without replicas has its primary here."""
    return not router.replicas or router.replicas[0].health.primary


def overall(probes: list[Probe]) -> Status:
    """Failing when the primary is (nothing can be written); degraded when anything else is
    not ok (replicas and Redis only accelerate); ok otherwise."""
    if any(probe.role == "primary" and probe.status != "ok" for probe in probes):
        return "failing"
    return "ok" if all(probe.status == "ok" for probe in probes) else "degraded"


def cache_state(cache: ResponseCache | None) -> CacheState:
    """The response cache as the process uses it now, without a network call (for /readyz):
    off; memory only (no Redis configured); ok (Redis in use and invalidations arriving);
    degraded (Redis configured but failing, or the invalidation channel lost)."""
    if cache is None:
        return "off"
    if cache.link is None:
        return "memory"
    if cache.link.breaker.is_open or not cache.stats.subscribed:
        return "degraded"
    return "ok"
