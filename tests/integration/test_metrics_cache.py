"""Response cache metrics move with real traffic, on both backends: hits and misses (also from
Redis), single-flight waits of concurrent misses, and failed Redis calls."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import redis.asyncio as redis
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.api_client import api_client
from tests.support.cache import HOTELS, cache_of, eventually, write_feed
from tests.support.metrics import Snapshot
from tests.support.pg_server import free_port
from tests.support.redis_server import RedisServer
from tests.support.workers import wait_for

LOOKUPS = "hotelreviews_cache_lookups_total"
WAITS = "hotelreviews_cache_singleflight_waits_total"
ERRORS = "hotelreviews_cache_errors_total"


def cached(settings: Settings, **overrides: object) -> Settings:
    return settings.model_copy(
        update={"cache_enabled": True, "cache_ttl_seconds": 3600.0, **overrides}
    )


async def a_hotel(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> str:
    """Ingest one hotel (ingestion sets the data version the cache keys on); its URL."""
    feed = write_feed(tmp_path / "hotel.jl", hotel=1, reviews=range(1, 3))
    await ingest_paths(engine=engine, settings=settings, paths=[feed])
    async with api_client(settings) as client:
        (hotel,) = (await client.get(HOTELS)).json()["items"]
    return f"{HOTELS}/{hotel['id']}"


async def test_a_miss_then_hits_are_counted(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    url = await a_hotel(engine, settings, tmp_path)
    async with api_client(cached(settings)) as client:
        before = Snapshot()
        outcomes = [(await client.get(url)).headers["x-cache"] for _ in range(3)]
        # Credentials keep the cache out: neither a hit nor a miss.
        await client.get(url, headers={"Authorization": "Bearer not-a-token"})

    assert outcomes == ["miss", "hit", "hit"]
    assert before.increase(LOOKUPS, outcome="miss") == 1
    assert before.increase(LOOKUPS, outcome="hit") == 2


async def test_concurrent_misses_wait_for_one_fill(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    url = await a_hotel(engine, settings, tmp_path)
    async with api_client(cached(settings)) as client:
        before = Snapshot()
        responses = await asyncio.gather(*(client.get(url) for _ in range(20)))

    assert sorted(r.headers["x-cache"] for r in responses) == ["hit"] * 19 + ["miss"]
    assert before.increase(LOOKUPS, outcome="miss") == 1
    assert before.increase(LOOKUPS, outcome="hit") == 19
    # Requests that came while the first one ran the application waited for its fill.
    assert 1 <= before.increase(WAITS) <= 19


async def test_a_hit_from_redis_counts_as_a_hit(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, redis_server: RedisServer
) -> None:
    url = await a_hotel(engine, settings, tmp_path)
    shared = cached(
        settings,
        redis_url=SecretStr(redis_server.url),
        redis_key_prefix=f"test-{uuid.uuid4().hex[:12]}:",
    )
    async with api_client(shared) as first:
        assert (await first.get(url)).headers["x-cache"] == "miss"
        # The write to Redis goes out after the response: wait until it is there.
        admin = redis.Redis.from_url(redis_server.url)
        try:
            await wait_for(
                lambda: admin.keys(f"{shared.redis_key_prefix}*"), "the entry written to Redis"
            )
        finally:
            await admin.aclose()
    async with api_client(shared) as second:
        before = Snapshot()
        assert (await second.get(url)).headers["x-cache"] == "hit"
        assert cache_of(second).stats.shared_hits == 1
        assert before.increase(LOOKUPS, outcome="hit") == 1
        assert before.increase(LOOKUPS, outcome="miss") == 0


async def test_failed_redis_calls_are_counted(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    url = await a_hotel(engine, settings, tmp_path)
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    before = Snapshot()
    async with api_client(cached(settings, redis_url=SecretStr(nowhere))) as client:
        assert (await client.get(url)).status_code == 200
        stats = cache_of(client).stats
        await eventually(lambda: stats.redis_errors > 0, "a failed Redis call")
        assert before.increase(ERRORS) == stats.redis_errors
