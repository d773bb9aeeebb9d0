"""Database metrics: pool connections and statement latency by target, replica lag and health.

Hooked onto each engine with SQLAlchemy events (`meter_engine`), and onto its statements run
through the driver (core.driver_reads), so every query of the process is measured whichever
code runs it; the router reports its replicas' health after
each check (`report_replicas`). Metric definitions: observability.metrics.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.driver_reads import on_driver_statement
from hotelreviews.observability.metrics import (
    DB_POOL_CONNECTIONS,
    DB_QUERY_DURATION,
    REPLICA_LAG_BYTES,
    REPLICA_LAG_SECONDS,
    REPLICA_UP,
)
from hotelreviews.routing.replicas import Replica

TargetRole = Literal["primary", "replica"]
_STARTED = "_hotelreviews_started"


class _PoolGauges:
    """The pooled connections of every engine of one target in this process, summed.

    Recounted from the pools at each checkout and checkin rather than moved up and down, so
    connections closed behind the events' backs (invalidated, recycled, disposed) cannot make
    the gauges drift.
    """

    def __init__(self, target: TargetRole) -> None:
        self.in_use = DB_POOL_CONNECTIONS.labels(target=target, state="in_use")
        self.idle = DB_POOL_CONNECTIONS.labels(target=target, state="idle")
        self.engines: weakref.WeakSet[Engine] = weakref.WeakSet()

    def recount(self, returning: Engine | None = None) -> None:
        """`returning`: the engine whose connection is being checked in (the checkin event
        comes before the pool takes it back)."""
        in_use = idle = 0
        for engine in self.engines:
            pool: Any = engine.pool
            if not hasattr(pool, "checkedout"):  # pools without counts (NullPool, StaticPool)
                continue
            in_use += pool.checkedout()
            idle += pool.checkedin()
            if engine is returning:
                in_use, idle = in_use - 1, idle + 1
        self.in_use.set(max(0, in_use))
        self.idle.set(idle)


_POOLS: dict[TargetRole, _PoolGauges] = {}


def meter_engine(engine: AsyncEngine, target: TargetRole) -> None:
    """Measure `engine`'s statements and pool under `target` ("primary" or "replica")."""
    sync_engine = engine.sync_engine
    query_duration = DB_QUERY_DURATION.labels(target=target)  # bound once, not per query
    pools = _POOLS.get(target)
    if pools is None:
        pools = _POOLS[target] = _PoolGauges(target)
    pools.engines.add(sync_engine)

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(*arguments: Any) -> None:
        context = arguments[4]  # (connection, cursor, statement, parameters, context, many)
        if context is not None:
            setattr(context, _STARTED, time.perf_counter())

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(*arguments: Any) -> None:
        started = getattr(arguments[4], _STARTED, None)
        if started is not None:
            query_duration.observe(time.perf_counter() - started)

    # Statements run through the driver's connection (core.driver_reads) pass no event.
    def _timed(_sql: str) -> Callable[[BaseException | None], None]:
        started = time.perf_counter()

        def finished(error: BaseException | None) -> None:
            if error is None:  # as after_cursor_execute: statements that succeeded
                query_duration.observe(time.perf_counter() - started)

        return finished

    on_driver_statement(engine, _timed)

    # Pool events on the engine stay attached to the new pool its dispose() makes.
    @event.listens_for(sync_engine, "checkout")
    def _checkout(_dbapi: Any, _record: Any, _proxy: Any) -> None:
        pools.recount()

    @event.listens_for(sync_engine, "checkin")
    def _checkin(_dbapi: Any, _record: Any) -> None:
        pools.recount(returning=sync_engine)


def report_replicas(replicas: Sequence[Replica]) -> None:
    """Each replica's health from its last check, labelled by its position in the
    configuration ("1", "2"…): never by URL or host, which may carry credentials."""
    for position, replica in enumerate(replicas, start=1):
        label = str(position)
        health = replica.health
        lag_seconds = health.lag_seconds
        lag_bytes = health.lag_bytes
        REPLICA_UP.labels(replica=label).set(1 if health.usable else 0)
        REPLICA_LAG_SECONDS.labels(replica=label).set(
            math.nan if lag_seconds is None else lag_seconds
        )
        REPLICA_LAG_BYTES.labels(replica=label).set(math.nan if lag_bytes is None else lag_bytes)
