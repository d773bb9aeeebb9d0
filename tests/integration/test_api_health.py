"""Readiness with the cache state, and /health/deep: every dependency probed for real — the
primary on both databases, a streaming PostgreSQL replica (paused, stopped), a redis-server —
and the disaster-recovery state the primary reports (timeline, standbys, WAL archive).

Polling asserts on content with a generous deadline, never on how long anything took.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from hotelreviews.app.health_probes import Probe, overall
from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings
from tests.conftest import BACKENDS
from tests.support.api_client import api_client, api_key_headers
from tests.support.cache import cache_of, eventually
from tests.support.pg_regions import (
    PRIMARY_REGION,
    REPLICA_REGION,
    regional_primary,
    regional_replica,
    set_archive_command,
)
from tests.support.pg_server import PostgresServer, ReplicaServer, free_port
from tests.support.redis_server import RedisServer

DEEP = "/health/deep"
_databases = itertools.count()


def with_redis(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={
            "cache_enabled": True,
            "redis_url": SecretStr(url),
            "redis_key_prefix": f"test-{uuid.uuid4().hex[:12]}:",
        }
    )


async def deep(client: httpx.AsyncClient, status: int = 200) -> dict[str, Any]:
    response = await client.get(DEEP, headers=await api_key_headers(client, "admin"))
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {dependency["name"]: dependency for dependency in body["dependencies"]}


# ---------------------------------------------------------------------------- readiness


async def test_readiness_reports_the_cache_off_or_in_memory(settings: Settings) -> None:
    async with api_client(settings) as client:
        assert (await client.get("/readyz")).json()["cache"] == "off"
    async with api_client(settings.model_copy(update={"cache_enabled": True})) as client:
        body = (await client.get("/readyz")).json()
    assert body["status"] == "ready" and body["cache"] == "memory"


async def test_readiness_reports_redis_ok_once_subscribed(
    settings: Settings, redis_server: RedisServer
) -> None:
    async with api_client(with_redis(settings, redis_server.url)) as client:
        await eventually(lambda: cache_of(client).stats.subscribed, "subscribed")
        body = (await client.get("/readyz")).json()
    assert body["status"] == "ready" and body["cache"] == "ok"


async def test_readiness_reports_an_unreachable_redis_as_degraded_but_stays_ready(
    settings: Settings,
) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    async with api_client(with_redis(settings, nobody_listens)) as client:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["cache"] == "degraded"
        assert response.json()["status"] == "ready"  # the cache never makes it unready
        # ... and the deep check says why, without failing the whole.
        body = await deep(client)
    assert body["status"] == "degraded"
    redis = by_name(body)["redis"]
    assert redis["status"] == "failing" and redis["latency_ms"] is None
    assert "ConnectionError" in redis["detail"]


# ---------------------------------------------------------------------------- who may ask


async def test_without_replicas_the_primary_is_here(settings: Settings) -> None:
    # The global balancer sends writes to a region answering 200 (cluster/haproxy.py).
    async with api_client(settings) as client:
        response = await client.get("/health/primary")
    assert response.status_code == 200 and response.json() == {"status": "primary-here"}


async def test_deep_health_is_for_admins_only(settings: Settings) -> None:
    async with api_client(settings) as client:
        anonymous = await client.get(DEEP)
        analyst = await client.get(DEEP, headers=await api_key_headers(client, "analyst"))
        manager = await client.get(DEEP, headers=await api_key_headers(client, "manager"))
    assert anonymous.status_code == 401
    assert analyst.status_code == manager.status_code == 403


# ---------------------------------------------------------------------------- the primary


async def test_deep_health_reports_the_primary_with_its_latency_and_version(
    settings: Settings, backend: str
) -> None:
    async with api_client(settings.model_copy(update={"region": "eu-west-1"})) as client:
        body = await deep(client)
    assert body["status"] == "ok" and body["region"] == "eu-west-1" and body["version"]
    assert [d["name"] for d in body["dependencies"]] == ["primary"]  # no replica, no cache
    primary = by_name(body)["primary"]
    assert primary["role"] == "primary" and primary["status"] == "ok"
    assert primary["latency_ms"] > 0
    assert primary["detail"].startswith("SQLite " if backend == "sqlite" else "PostgreSQL ")
    assert body["primary_here"] is True  # no replicas: the primary is here
    recovery = body["disaster_recovery"]
    if backend == "sqlite":
        assert recovery is None  # one file: no timeline, standby or archive
    else:
        # The suite's server archives nothing: degraded, and says why; no replica expected.
        assert recovery["timeline"] == 1 and recovery["standbys"] == []
        assert recovery["wal_archive"]["status"] == "off" and recovery["status"] == "degraded"
        assert recovery["problems"] == ["WAL archiving is off: no point-in-time restore"]


async def test_deep_health_pings_redis(settings: Settings, redis_server: RedisServer) -> None:
    async with api_client(with_redis(settings, redis_server.url)) as client:
        await eventually(lambda: cache_of(client).stats.subscribed, "subscribed")
        body = await deep(client)
    assert body["status"] == "ok"
    redis = by_name(body)["redis"]
    assert redis["role"] == "cache" and redis["status"] == "ok" and redis["latency_ms"] > 0


def test_only_a_failing_primary_fails_the_whole() -> None:
    primary_ok = Probe(name="primary", role="primary", status="ok")
    primary_down = Probe(name="primary", role="primary", status="failing")
    replica_down = Probe(name="replica-1", role="replica", status="failing")
    redis_down = Probe(name="redis", role="cache", status="failing")
    assert overall([primary_ok]) == "ok"
    assert overall([primary_ok, replica_down]) == "degraded"
    assert overall([primary_ok, redis_down]) == "degraded"
    assert overall([primary_down, replica_down]) == "failing"


# ---------------------------------------------------------------------------- replicas


@pytest.fixture(scope="module")
def replicated() -> Iterator[tuple[PostgresServer, ReplicaServer, str]]:
    if "postgresql" not in BACKENDS:
        pytest.skip("replicas need PostgreSQL")
    # Named after their regions, the primary archiving: as `hotelreviews cluster up` runs them.
    with regional_primary() as primary:
        template = "health_template"
        url = primary.create_database(template)
        migrations.upgrade(Settings(environment="test", database_url=url))
        with regional_replica(primary, slot="health_tests") as replica:
            yield primary, replica, template


@pytest.fixture
def replica_settings(
    replicated: tuple[PostgresServer, ReplicaServer, str], tmp_path: Path
) -> Settings:
    primary, replica, template = replicated
    name = f"health_{next(_databases)}"
    url = primary.create_database(name, template=template)
    replica.wait_until_caught_up()
    return Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=url,
        database_replica_urls=[replica.url(name)],
        replica_max_lag_seconds=3600.0,
        replica_check_interval_seconds=0.05,
        cache_enabled=False,
    )


async def test_deep_health_reports_a_replica_and_its_lag_without_its_url(
    replicated: tuple[PostgresServer, ReplicaServer, str], replica_settings: Settings
) -> None:
    primary, replica, _ = replicated
    async with api_client(replica_settings) as client:
        body = await deep(client)
        assert body["status"] == "ok"
        first = by_name(body)["replica-1"]
        assert first["role"] == "replica" and first["status"] == "ok"
        assert first["in_use"] is True and first["latency_ms"] > 0
        assert first["lag_seconds"] is not None and first["lag_bytes"] is not None
        assert first["region"] == REPLICA_REGION and first["lag_budget_seconds"] == 3600.0
        assert first["within_lag_budget"] is True and first["is_primary"] is False
        assert by_name(body)["primary"]["region"] == PRIMARY_REGION

        replica.pause_replay()
        try:
            # WAL the replica receives but does not replay: its byte lag grows.
            primary.psql("CREATE TABLE health_lag_probe (n int); DROP TABLE health_lag_probe")
            lagging: dict[str, Any] = {}

            async def lag_shows() -> bool:
                lagging.update(by_name(await deep(client))["replica-1"])
                return bool(lagging["lag_bytes"])

            await poll(lag_shows, "the replica's byte lag shows the paused replay")
        finally:
            replica.resume_replay()
        assert lagging["status"] == "ok"  # within the (test's generous) lag bound
        text = (await client.get(DEEP, headers=await api_key_headers(client, "admin"))).text
    url = make_url(replica_settings.resolved_replica_urls[0])
    assert f"{url.host}:{url.port}" not in text and str(url.database) not in text
    assert "://" not in text


async def test_a_stopped_replica_is_failing_and_the_whole_degraded_not_down(
    replicated: tuple[PostgresServer, ReplicaServer, str], replica_settings: Settings
) -> None:
    _, replica, _ = replicated
    async with api_client(replica_settings) as client:
        assert by_name(await deep(client))["replica-1"]["status"] == "ok"
        replica.stop_keeping_data()
        try:
            body = await deep(client, status=200)
            assert body["status"] == "degraded"
            stopped = by_name(body)["replica-1"]
            assert stopped["status"] == "failing" and stopped["latency_ms"] is None
            assert stopped["lag_seconds"] is None and stopped["detail"]
            assert stopped["within_lag_budget"] is None  # not known, not "within"
            assert by_name(body)["primary"]["status"] == "ok"
            # The primary no longer streams to it: nothing to fail over to.
            recovery = await deep_recovery(client, lambda r: r["standbys"] == [])
            assert recovery["status"] == "degraded"
            assert recovery["problems"] == [
                "no standby streams from the primary: nothing to fail over to"
            ]
            readiness = await client.get("/readyz")
            assert readiness.status_code == 200  # replicas never make the process unready
        finally:
            replica.start_again()


async def test_a_replica_past_its_lag_budget_is_degraded_and_says_so(
    replicated: tuple[PostgresServer, ReplicaServer, str], replica_settings: Settings
) -> None:
    primary, replica, _ = replicated
    tight = replica_settings.model_copy(update={"replica_max_lag_seconds": 0.001})
    async with api_client(tight) as client:
        replica.pause_replay()
        try:
            primary.psql("CREATE TABLE health_budget_probe (n int); DROP TABLE health_budget_probe")
            lagging: dict[str, Any] = {}

            async def past_budget() -> bool:
                lagging.update(by_name(await deep(client))["replica-1"])
                return lagging["within_lag_budget"] is False

            await poll(past_budget, "the paused replica's lag passes its budget")
        finally:
            replica.resume_replay()
    assert lagging["status"] == "degraded" and lagging["lag_budget_seconds"] == 0.001
    assert lagging["lag_seconds"] > 0.001 and "exceeds" in lagging["detail"]


async def test_deep_health_reports_the_timeline_the_standby_and_the_wal_archive(
    replicated: tuple[PostgresServer, ReplicaServer, str], replica_settings: Settings
) -> None:
    primary, _, _ = replicated
    async with api_client(replica_settings) as client:
        primary.psql("SELECT pg_switch_wal()")  # a segment to archive
        recovery = await deep_recovery(
            client, lambda r: bool(r["wal_archive"]["last_archived_wal"])
        )
        body = await deep(client)
    assert recovery["status"] == "ok" and recovery["problems"] == []
    assert recovery["timeline"] == 1
    [standby] = recovery["standbys"]
    assert standby["name"] == REPLICA_REGION and standby["state"] == "streaming"
    assert standby["sync_state"] == "async" and standby["lag_bytes"] is not None
    archive = recovery["wal_archive"]
    assert archive["status"] == "ok" and archive["archived_count"] >= 1
    assert archive["last_archived_at"] and archive["failed_count"] == 0
    # The first read target is a replica, not the primary: the primary is elsewhere.
    assert body["primary_here"] is False


async def test_a_failing_wal_archive_makes_recovery_degraded(
    replicated: tuple[PostgresServer, ReplicaServer, str], replica_settings: Settings
) -> None:
    primary, _, _ = replicated
    command = primary.psql("SHOW archive_command").strip()
    set_archive_command(primary, "false")
    try:
        primary.psql("CREATE TABLE health_archive_probe (n int); DROP TABLE health_archive_probe")
        primary.psql("SELECT pg_switch_wal()")
        async with api_client(replica_settings) as client:
            recovery = await deep_recovery(
                client, lambda r: r["wal_archive"]["status"] == "failing"
            )
    finally:
        set_archive_command(primary, command)
    archive = recovery["wal_archive"]
    assert recovery["status"] == "degraded" and archive["failed_count"] >= 1
    assert archive["last_failed_wal"] and archive["last_failed_at"]
    assert recovery["problems"] == [
        f"WAL archiving fails: {archive['last_failed_wal']} not archived "
        f"({archive['failed_count']} failed attempts)"
    ]


async def test_in_the_primarys_region_the_first_read_target_is_the_primary_itself(
    replica_settings: Settings,
) -> None:
    # As `cluster up` configures us-east-1's API: its own server first among the read targets.
    here = replica_settings.model_copy(
        update={"database_replica_urls": [SecretStr(replica_settings.resolved_database_url)]}
    )
    async with api_client(here) as client:
        body = await deep(client)
    own = by_name(body)["replica-1"]
    assert own["is_primary"] is True and own["region"] == PRIMARY_REGION
    assert own["status"] == "ok" and own["lag_seconds"] == 0.0 and own["lag_bytes"] == 0
    assert body["primary_here"] is True


async def test_a_database_user_without_pg_monitor_gets_the_standby_without_its_positions(
    replicated: tuple[PostgresServer, ReplicaServer, str], replica_settings: Settings
) -> None:
    primary, _, _ = replicated
    # Reads and writes every table, as the app's own user would; sees no server statistics.
    primary.psql(
        "DO $$BEGIN CREATE ROLE health_reader LOGIN; EXCEPTION WHEN duplicate_object THEN "
        "NULL; END$$; GRANT pg_read_all_data, pg_write_all_data TO health_reader"
    )
    url = replica_settings.resolved_database_url.replace("postgres@", "health_reader@", 1)
    unprivileged = replica_settings.model_copy(update={"database_url": SecretStr(url)})
    async with api_client(unprivileged) as client:
        body = await deep(client)
    recovery = body["disaster_recovery"]
    assert recovery["timeline"] == 1 and recovery["wal_archive"]["status"] == "ok"
    [standby] = recovery["standbys"]  # it streams: one row, its figures hidden
    assert standby["state"] is None and standby["lag_bytes"] is None
    assert recovery["problems"] == []  # not visible is not "not streaming"


async def deep_recovery(
    client: httpx.AsyncClient, until: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """/health/deep's disaster-recovery part, once `until` holds for it."""
    found: dict[str, Any] = {}

    async def holds() -> bool:
        found.update((await deep(client))["disaster_recovery"])
        return until(found)

    await poll(holds, "the disaster-recovery state changes")
    return found


async def poll(check: Callable[[], Awaitable[bool]], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60.0
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)
