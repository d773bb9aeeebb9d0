"""The response cache in front of a read replica that lags: a PostgreSQL primary, a streaming
replica whose replay is paused, Redis, and real ingestion.

An invalidation message moves the cache to the new version at once, while the replica still
holds the old data. Fills must then read from a database that has replayed the batch (the
message's WAL position goes to read routing as a consistency token), or the new version's
entries would keep the old data.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.conftest import BACKENDS
from tests.support.api_client import api_client
from tests.support.cache import HOTELS, cache_of, changed, eventually, write_feed
from tests.support.pg_server import REPLICATION_SETTINGS, PostgresServer, ReplicaServer
from tests.support.redis_server import RedisServer

TEMPLATE = "cache_replica_template"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[PostgresServer, ReplicaServer]]:
    if "postgresql" not in BACKENDS:
        pytest.skip("replicas need PostgreSQL")
    with PostgresServer(settings=REPLICATION_SETTINGS) as primary:
        url = primary.create_database(TEMPLATE)
        migrations.upgrade(Settings(environment="test", database_url=url))
        with ReplicaServer(primary, slot="cache_tests") as replica:
            yield primary, replica


@pytest.fixture
def replicated_settings(
    servers: tuple[PostgresServer, ReplicaServer], redis_server: RedisServer, tmp_path: Path
) -> Settings:
    primary, replica = servers
    name = f"cache_{uuid.uuid4().hex[:12]}"
    url = primary.create_database(name, template=TEMPLATE)
    replica.wait_until_caught_up()
    return Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=url,
        database_replica_urls=[replica.url(name)],
        replica_max_lag_seconds=3600.0,  # paused, it stays in use: the case at hand
        replica_check_interval_seconds=0.05,
        consistency_wait_seconds=0.2,
        ingest_batch_size=500,
        cache_ttl_seconds=3600.0,
        redis_url=SecretStr(redis_server.url),
        redis_key_prefix=f"test-{uuid.uuid4().hex[:12]}:",
    )


@pytest.fixture
async def primary_engine(replicated_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(replicated_settings)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_lagging_replica_never_fills_a_new_version_with_old_data(
    servers: tuple[PostgresServer, ReplicaServer],
    replicated_settings: Settings,
    primary_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    _, replica = servers
    first = write_feed(tmp_path / "first.jl", hotel=1, reviews=range(1, 2))
    await ingest_paths(engine=primary_engine, settings=replicated_settings, paths=[first])
    replica.wait_until_caught_up()
    async with api_client(replicated_settings) as client:
        stats = cache_of(client).stats
        await eventually(lambda: stats.subscribed, "subscribed")
        hotel_id = (await client.get(HOTELS)).json()["items"][0]["id"]
        url = f"{HOTELS}/{hotel_id}"
        before = await client.get(url)
        assert before.json()["review_count"] == 1
        assert before.headers["x-served-by"] == "replica"

        replica.pause_replay()
        try:
            more = write_feed(tmp_path / "more.jl", hotel=1, reviews=range(2, 5))
            await ingest_paths(engine=primary_engine, settings=replicated_settings, paths=[more])
            after = await changed(client, url, before.content)
            assert after.json()["review_count"] == 4
            assert after.headers["x-served-by"] == "primary"  # the replica cannot have it
            assert stats.invalidations >= 1
            again = await client.get(url)
            assert again.headers["x-cache"] == "hit" and again.content == after.content
        finally:
            replica.resume_replay()
