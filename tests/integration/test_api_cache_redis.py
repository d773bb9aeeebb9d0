"""The response cache with Redis behind it: a real redis-server, two API instances, real
ingestion, on both databases.

Every "eventually" below polls with a generous deadline and asserts on content, never on
time: the bound itself comes from the settings (cache.sync).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec
import pytest
import redis.asyncio as redis
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cache.invalidation import invalidation_channel
from hotelreviews.cache.stats import publisher_stats
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.api_client import api_client
from tests.support.cache import (
    HOTELS,
    app_queries,
    cache_of,
    changed,
    eventually,
    write_feed,
)
from tests.support.redis_server import RedisServer


def with_redis(settings: Settings, url: str) -> Settings:
    """The test database with the cache on and Redis behind it, under a key prefix of its
    own (the Redis server is shared by the session). Entries never expire during a test."""
    return settings.model_copy(
        update={
            "cache_enabled": True,
            "cache_ttl_seconds": 3600.0,
            "cache_version_poll_seconds": 1.0,
            "redis_url": SecretStr(url),
            "redis_key_prefix": f"test-{uuid.uuid4().hex[:12]}:",
        }
    )


@pytest.fixture
def redis_settings(settings: Settings, redis_server: RedisServer) -> Settings:
    return with_redis(settings, redis_server.url)


@pytest.fixture
async def hotel_ids(redis_settings: Settings, engine: AsyncEngine, tmp_path: Path) -> list[int]:
    """Hotels 1, 2 and 3 with 1, 2 and 3 reviews, by name."""
    paths = [
        write_feed(tmp_path / f"hotel{h}.jl", hotel=h, reviews=range(h * 100, h * 100 + h))
        for h in (1, 2, 3)
    ]
    await ingest_paths(engine=engine, settings=redis_settings, paths=paths)
    async with api_client(redis_settings.model_copy(update={"cache_enabled": False})) as client:
        body = (await client.get(HOTELS, params={"sort": "name"})).json()
    return [hotel["id"] for hotel in body["items"]]


@pytest.fixture
async def first(redis_settings: Settings, hotel_ids: list[int]) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(redis_settings) as client:
        await eventually(lambda: cache_of(client).stats.subscribed, "the first one subscribed")
        yield client


@pytest.fixture
async def second(
    redis_settings: Settings, first: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """Another API instance (process) on the same database and Redis."""
    async with api_client(redis_settings) as client:
        await eventually(lambda: cache_of(client).stats.subscribed, "the second one subscribed")
        yield client


async def test_a_response_filled_by_one_instance_is_a_hit_in_another(
    first: httpx.AsyncClient,
    second: httpx.AsyncClient,
    hotel_ids: list[int],
    redis_settings: Settings,
    redis_server: RedisServer,
) -> None:
    url = f"{HOTELS}/{hotel_ids[0]}/reviews?limit=2"
    filled = await first.get(url)
    assert filled.headers["x-cache"] == "miss"
    # The write to Redis goes out after the response: wait until it is there.
    admin = redis.Redis.from_url(redis_server.url)
    try:
        pattern = f"{redis_settings.redis_key_prefix}*"
        for _ in range(1500):
            if await admin.keys(pattern):
                break
            await asyncio.sleep(0.02)
    finally:
        await admin.aclose()

    async with app_queries(second) as queries:
        from_redis = await second.get(url)
    assert from_redis.headers["x-cache"] == "hit" and not queries
    assert from_redis.content == filled.content
    assert from_redis.headers["etag"] == filled.headers["etag"]
    assert cache_of(second).stats.shared_hits == 1
    # Kept in the second one's memory too: the next hit costs no network.
    async with app_queries(second) as queries:
        again = await second.get(url)
    assert again.headers["x-cache"] == "hit" and not queries
    assert cache_of(second).stats.shared_hits == 1 and cache_of(second).stats.hits == 1


async def test_if_none_match_gets_304_from_either_level(
    first: httpx.AsyncClient, second: httpx.AsyncClient, hotel_ids: list[int]
) -> None:
    url = f"{HOTELS}/{hotel_ids[1]}"
    etag = (await first.get(url)).headers["etag"]
    for client in (first, second):
        response = await client.get(url, headers={"if-none-match": etag})
        assert response.status_code == 304 and response.content == b""
        assert response.headers["etag"] == etag


async def test_concurrent_misses_query_the_database_and_redis_once(
    first: httpx.AsyncClient, hotel_ids: list[int]
) -> None:
    async with app_queries(first) as one_request:
        await first.get(f"{HOTELS}/{hotel_ids[0]}")
    url = f"{HOTELS}/{hotel_ids[2]}"
    stats = cache_of(first).stats
    misses, hits = stats.misses, stats.hits

    async with app_queries(first) as queries:
        responses = await asyncio.gather(*(first.get(url) for _ in range(100)))

    assert one_request and len(queries) == len(one_request)
    assert {r.status_code for r in responses} == {200} and len({r.content for r in responses}) == 1
    assert sorted(r.headers["x-cache"] for r in responses) == ["hit"] * 99 + ["miss"]
    assert (stats.misses - misses, stats.hits - hits, stats.shared_hits) == (1, 99, 0)


async def test_an_ingest_is_seen_by_another_instance_and_leaves_other_hotels_warm(
    first: httpx.AsyncClient,
    second: httpx.AsyncClient,
    hotel_ids: list[int],
    redis_settings: Settings,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    changed_hotel, other_hotel = f"{HOTELS}/{hotel_ids[0]}", f"{HOTELS}/{hotel_ids[1]}"
    listed = f"{HOTELS}?sort=name"
    before = {url: await second.get(url) for url in (changed_hotel, other_hotel, listed)}
    assert before[changed_hotel].json()["review_count"] == 1
    invalidations = cache_of(second).stats.invalidations

    # Ingested through the first instance's side of things: the second hears of it by Redis.
    feed = write_feed(tmp_path / "more.jl", hotel=1, reviews=range(900, 903), rating=2.0)
    await ingest_paths(engine=engine, settings=redis_settings, paths=[feed])

    after = await changed(second, changed_hotel, before[changed_hotel].content)
    assert after.json()["review_count"] == 4
    assert cache_of(second).stats.invalidations > invalidations
    relisted = await second.get(listed)
    assert [hotel["review_count"] for hotel in relisted.json()["items"]] == [4, 2, 3]
    async with app_queries(second) as queries:
        kept = await second.get(other_hotel)
    assert kept.headers["x-cache"] == "hit" and not queries
    assert kept.content == before[other_hotel].content


async def test_an_invalidation_message_carries_the_version_the_hotels_and_the_wal_position(
    redis_settings: Settings,
    redis_server: RedisServer,
    hotel_ids: list[int],
    engine: AsyncEngine,
    tmp_path: Path,
    backend: str,
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(invalidation_channel(redis_settings))
        assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"
        feed = write_feed(tmp_path / "more.jl", hotel=2, reviews=range(900, 901))
        await ingest_paths(engine=engine, settings=redis_settings, paths=[feed])
        message = await pubsub.get_message(timeout=30)
    finally:
        await pubsub.aclose()
        await client.aclose()

    assert message is not None and message["type"] == "message"
    format_, version, hotels, all_hotels, lsn = msgspec.msgpack.decode(message["data"])
    # Three feeds ingested before (one batch each), then this one's batch.
    assert (format_, version, hotels, all_hotels) == (1, 4, [hotel_ids[1]], False)
    assert (lsn is not None) == (backend == "postgresql")


async def test_a_lost_message_is_made_up_for_by_the_database_poll(
    second: httpx.AsyncClient,
    hotel_ids: list[int],
    redis_settings: Settings,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    url = f"{HOTELS}/{hotel_ids[2]}"
    before = await second.get(url)
    stats = cache_of(second).stats
    invalidations, catch_ups = stats.invalidations, stats.catch_ups

    # An ingester that cannot publish (as if it died right after committing).
    silent = redis_settings.model_copy(update={"redis_url": None})
    feed = write_feed(tmp_path / "more.jl", hotel=3, reviews=range(900, 901), rating=1.0)
    await ingest_paths(engine=engine, settings=silent, paths=[feed])

    after = await changed(second, url, before.content)
    assert after.json()["review_count"] == 4
    assert stats.invalidations == invalidations and stats.catch_ups > catch_ups


async def test_a_dropped_subscription_comes_back_and_nothing_is_missed(
    first: httpx.AsyncClient,
    second: httpx.AsyncClient,
    hotel_ids: list[int],
    redis_settings: Settings,
    redis_server: RedisServer,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    url = f"{HOTELS}/{hotel_ids[0]}"
    before = await second.get(url)
    stats = cache_of(second).stats
    errors = stats.redis_errors

    admin = redis.Redis.from_url(redis_server.url)
    try:
        killed = await admin.client_kill_filter(_type="pubsub")
    finally:
        await admin.aclose()
    assert killed >= 2  # both instances' subscriptions
    feed = write_feed(tmp_path / "more.jl", hotel=1, reviews=range(900, 902), rating=3.0)
    await ingest_paths(engine=engine, settings=redis_settings, paths=[feed])

    after = await changed(second, url, before.content)
    assert after.json()["review_count"] == 3
    await eventually(lambda: stats.redis_errors > errors, "the drop was counted")
    await eventually(lambda: stats.subscribed, "subscribed again")


async def test_with_redis_killed_answers_stay_right_and_the_cache_comes_back_when_it_returns(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    with RedisServer() as own_redis:
        redis_settings = with_redis(settings, own_redis.url)
        paths = [
            write_feed(tmp_path / f"hotel{h}.jl", hotel=h, reviews=range(h * 100, h * 100 + h))
            for h in (1, 2, 3)
        ]
        await ingest_paths(engine=engine, settings=redis_settings, paths=paths)
        uncached = settings.model_copy(update={"cache_enabled": False})
        async with api_client(redis_settings) as client, api_client(uncached) as truth:
            listed = (await truth.get(HOTELS, params={"sort": "name"})).json()["items"]
            ids = [hotel["id"] for hotel in listed]
            urls = [f"{HOTELS}/{i}" for i in ids] + [f"{HOTELS}/{i}/reviews" for i in ids]
            stats = cache_of(client).stats
            await eventually(lambda: stats.subscribed, "subscribed")
            warm = await client.get(urls[0])

            own_redis.kill()
            errors, published_errors = stats.redis_errors, publisher_stats.redis_errors
            for url in urls:  # a hit in memory, the others misses: all served, all right
                response = await client.get(url)
                assert response.status_code == 200
                assert response.content == (await truth.get(url)).content
            assert (await client.get(urls[0])).headers["x-cache"] == "hit"
            await eventually(lambda: stats.redis_errors > errors, "Redis errors counted")
            assert not stats.subscribed

            # Ingested while Redis is down: no message can go out; the poll brings it.
            feed = write_feed(tmp_path / "more.jl", hotel=1, reviews=range(900, 902), rating=2.0)
            report = await ingest_paths(engine=engine, settings=redis_settings, paths=[feed])
            assert [f.status for f in report.files] == ["ingested"]
            assert publisher_stats.redis_errors > published_errors
            after = await changed(client, urls[0], warm.content)
            assert after.content == (await truth.get(urls[0])).content

            own_redis.start()  # on the same port, empty
            await eventually(lambda: stats.subscribed, "subscribed again")
            # Filled by this instance, then found in Redis by a new one.
            async with api_client(redis_settings) as newcomer:
                for attempt in range(1500):
                    # A new URL each time (an unknown parameter would be refused: 422).
                    url = f"{HOTELS}/{ids[1]}/reviews?min_rating={attempt / 10_000:.4f}"
                    await client.get(url)
                    await asyncio.sleep(0.02)
                    if (await newcomer.get(url)).headers["x-cache"] == "hit":
                        break
                else:
                    raise AssertionError("the cache never used Redis again")
                assert cache_of(newcomer).stats.shared_hits == 1
