"""Database metrics through the real router: statement latency and pool use by target (both
backends), and on PostgreSQL with a streaming replica (started by this module) the replica's
lag in seconds and bytes and whether it is up, labelled by position, never by URL."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core import migrations
from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.routing import DatabaseRouter
from tests.conftest import BACKENDS
from tests.support.metrics import Snapshot, sample
from tests.support.pg_server import REPLICATION_SETTINGS, PostgresServer, ReplicaServer, free_port
from tests.support.workers import wait_for

QUERIES = "hotelreviews_db_query_duration_seconds_count"
POOL = "hotelreviews_db_pool_connections"
LAG_SECONDS = "hotelreviews_replica_lag_seconds"
LAG_BYTES = "hotelreviews_replica_lag_bytes"
UP = "hotelreviews_replica_up"


async def select_one(*, engine: AsyncEngine) -> int:
    async with read_transaction(engine) as connection:
        return int((await connection.execute(sa.text("SELECT 1"))).scalar_one())


@pytest.fixture
async def router(settings: Settings) -> AsyncIterator[DatabaseRouter]:
    router = DatabaseRouter.from_settings(settings)
    try:
        yield router
    finally:
        await router.dispose()


async def test_statements_are_timed_under_the_primary(router: DatabaseRouter) -> None:
    before = Snapshot()
    result, target = await router.read(select_one)
    assert (result, target.role) == (1, "primary")
    assert before.increase(QUERIES, target="primary") >= 1
    assert before.increase(QUERIES, target="replica") == 0


async def test_pool_gauges_count_a_held_connection_as_in_use_then_idle(
    router: DatabaseRouter,
) -> None:
    await router.read(select_one)  # one connection opened and back in the pool
    in_use = sample(POOL, target="primary", state="in_use")
    idle = sample(POOL, target="primary", state="idle")
    assert in_use is not None and idle is not None and idle >= 1

    async with router.primary.engine.connect() as connection:
        await connection.execute(sa.text("SELECT 1"))
        assert sample(POOL, target="primary", state="in_use") == in_use + 1
        assert sample(POOL, target="primary", state="idle") == idle - 1
    assert sample(POOL, target="primary", state="in_use") == in_use
    assert sample(POOL, target="primary", state="idle") == idle


# ------------------------------------------------------------------------------ replicas


class Replicated:
    def __init__(self, primary: PostgresServer, replica: ReplicaServer) -> None:
        self.primary = primary
        self.replica = replica


@pytest.fixture(scope="module")
def replicated() -> Iterator[Replicated]:
    if "postgresql" not in BACKENDS:
        pytest.skip("replicas need PostgreSQL (HOTELREVIEWS_TEST_BACKENDS)")
    with PostgresServer(settings=REPLICATION_SETTINGS) as primary:
        url = primary.create_database("metrics")
        migrations.upgrade(Settings(environment="test", database_url=url))
        with ReplicaServer(primary, slot="metrics_tests") as replica:
            replica.wait_until_caught_up()
            yield Replicated(primary, replica)


@pytest.fixture
async def replicated_router(
    replicated: Replicated, tmp_path: Path
) -> AsyncIterator[DatabaseRouter]:
    # Replica 2 answers nothing (a closed port): it must read as down, with unknown lag.
    nowhere = f"postgresql+asyncpg://nobody:secret@127.0.0.1:{free_port()}/metrics"
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=replicated.primary.url("metrics"),
        database_replica_urls=[replicated.replica.url("metrics"), nowhere],
        replica_max_lag_seconds=3600.0,
        replica_check_interval_seconds=0.05,
        cache_enabled=False,
    )
    router = DatabaseRouter.from_settings(settings)
    try:
        async with router.monitoring():
            yield router
    finally:
        await router.dispose()


async def test_reads_on_a_replica_are_timed_under_the_replica(
    replicated_router: DatabaseRouter,
) -> None:
    before = Snapshot()
    result, target = await replicated_router.read(select_one)
    assert (result, target.role) == (1, "replica")
    assert before.increase(QUERIES, target="replica") >= 1


async def test_replica_health_is_reported_by_position(
    replicated_router: DatabaseRouter, replicated: Replicated
) -> None:
    assert sample(UP, replica="1") == 1
    assert sample(UP, replica="2") == 0
    lag = sample(LAG_SECONDS, replica="1")
    assert lag is not None and lag >= 0
    assert (sample(LAG_BYTES, replica="1") or 0) >= 0
    assert math.isnan(sample(LAG_SECONDS, replica="2") or 0.0)

    # With replay paused and a write on the primary, the replica falls behind in bytes.
    await asyncio.to_thread(replicated.replica.pause_replay)
    try:
        async with write_transaction(replicated_router.primary.engine) as connection:
            await connection.execute(sa.text("CREATE TABLE IF NOT EXISTS lagging (x int)"))
            await connection.execute(sa.text("INSERT INTO lagging VALUES (1)"))

        async def behind() -> bool:
            return (sample(LAG_BYTES, replica="1") or 0) > 0

        await wait_for(behind, "the replica's byte lag to show the paused replay")
    finally:
        await asyncio.to_thread(replicated.replica.resume_replay)

    async def caught_up() -> bool:
        return sample(LAG_BYTES, replica="1") == 0

    await wait_for(caught_up, "the replica's byte lag to return to 0")

    # Labelled by position: no URL, host or password in any label of any series.
    values = {
        value
        for metric in REGISTRY.collect()
        if metric.name.startswith("hotelreviews_")
        for series in metric.samples
        for value in series.labels.values()
    }
    assert not [v for v in values if "127.0.0.1" in v or "postgresql" in v or "secret" in v]
