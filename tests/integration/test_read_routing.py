"""Read/write routing through the real app: a PostgreSQL primary and a streaming replica
(pg_basebackup, replication slot) started by this module, and the single target of SQLite.

Which target served a read is told by the X-Served-By header (set from the target the
router actually ran the query on) and, where it matters, by what the read can see: with the
replica's replay paused, a row written on the primary is visible there only.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Response
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.deps import Db
from hotelreviews.api.reads import with_consistency_token
from hotelreviews.api.responses import json_response
from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.routing import DatabaseRouter, consistency_token, parse_lsn
from hotelreviews.security import service as security_service
from tests.conftest import BACKENDS
from tests.support.api_client import (
    api_client,
    api_key_headers,
    recorded_statements,
    sent_statements,
)
from tests.support.builders import NOW, Catalog
from tests.support.pg_server import (
    REPLICATION_SETTINGS,
    PostgresServer,
    ReplicaServer,
    free_port,
)

TOKEN = "X-Consistency-Token"
SERVED_BY = "X-Served-By"
DEADLINE_SECONDS = 60.0
_databases = itertools.count()

needs_postgresql = pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="replicas need PostgreSQL (HOTELREVIEWS_TEST_BACKENDS)"
)


# ------------------------------------------------------------------------------ servers


class Replicated:
    """This module's primary and its replica; each test gets a fresh database on both."""

    def __init__(self, primary: PostgresServer, replica: ReplicaServer, template: str) -> None:
        self.primary = primary
        self.replica = replica
        self.template = template

    def settings(self, tmp_path: Path, **overrides: Any) -> Settings:
        name = f"routing_{next(_databases)}"
        url = self.primary.create_database(name, template=self.template)
        self.replica.wait_until_caught_up()  # the new database exists on the replica too
        values: dict[str, Any] = {
            "environment": "test",
            "data_dir": tmp_path,
            "database_url": url,
            "database_replica_urls": [self.replica.url(name)],
            "region": "eu-west-1",
            "replica_max_lag_seconds": 3600.0,
            "replica_check_interval_seconds": 0.05,
            "consistency_wait_seconds": 0.2,
            "cache_enabled": False,
        }
        values.update(overrides)
        return Settings(**values)


@pytest.fixture(scope="module")
def replicated() -> Iterator[Replicated]:
    if "postgresql" not in BACKENDS:
        pytest.skip("replicas need PostgreSQL")
    with PostgresServer(settings=REPLICATION_SETTINGS) as primary:
        template = "routing_template"
        url = primary.create_database(template)
        migrations.upgrade(Settings(environment="test", database_url=url))
        with ReplicaServer(primary, slot="routing_tests") as replica:
            yield Replicated(primary, replica, template)


@pytest.fixture
async def primary_engine(replicated_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(replicated_settings)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def replicated_settings(replicated: Replicated, tmp_path: Path) -> Settings:
    return replicated.settings(tmp_path)


# ------------------------------------------------------------------------------ helpers


def router_of(client: httpx.AsyncClient) -> DatabaseRouter:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    router: DatabaseRouter = transport.app.state.router  # type: ignore[attr-defined]
    return router


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll until `check()` holds (never asserting how long it took)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"never happened within {DEADLINE_SECONDS} s: {what}")
        await asyncio.sleep(0.05)


async def read(
    client: httpx.AsyncClient, url: str, token: str | None = None, status: int = 200
) -> httpx.Response:
    response = await client.get(url, headers={TOKEN: token} if token else None)
    assert response.status_code == status, response.text
    return response


async def served_by(client: httpx.AsyncClient, role: str, url: str = "/api/v1/providers") -> bool:
    return (await read(client, url)).headers[SERVED_BY] == role


def add_write_route(client: httpx.AsyncClient) -> None:
    """A write endpoint as the API's own will be written: commit, then send the token."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app

    @app.post("/test/hotels", status_code=201)  # type: ignore[attr-defined]
    async def add_hotel(db: Db, name: str) -> Response:
        hotel_id = await Catalog(db).hotel(name)  # one write transaction, committed
        response = json_response({"id": hotel_id}, status_code=201)
        return with_consistency_token(response, await consistency_token(db))


# --------------------------------------------------------------------- the replica's reads


@needs_postgresql
async def test_every_read_route_is_served_by_the_replica(
    replicated_settings: Settings, primary_engine: AsyncEngine, replicated: Replicated
) -> None:
    catalog = Catalog(primary_engine)
    provider = await catalog.provider("Agoda")
    hotel = await catalog.hotel("Harbour View", city="Lisbon")
    review = await catalog.review(
        hotel, provider, rating=9.0, review_date=NOW, text="quiet room with a harbour view"
    )
    await catalog.refresh_summaries()
    await asyncio.to_thread(replicated.replica.wait_until_caught_up)
    urls = [
        "/api/v1/hotels",
        f"/api/v1/hotels/{hotel}",
        f"/api/v1/hotels/{hotel}/reviews",
        f"/api/v1/reviews/{review}",
        "/api/v1/reviews/search?q=harbour",
        "/api/v1/providers",
    ]
    async with api_client(replicated_settings) as client:
        router = router_of(client)
        replica = router.replicas[0]
        # The replica has replayed everything, and its lag cannot exceed the test's hour.
        assert replica.usable and replica.health.lag_seconds == 0
        async with recorded_statements(client) as on_primary:
            responses = [await read(client, url) for url in urls]
        assert [r.headers[SERVED_BY] for r in responses] == ["replica"] * len(urls)
        assert router.served == {replica.name: len(urls)}
        # Nothing was read on the primary's pool (no cache here, so no data version polls).
        assert on_primary == []
    # The replica's data: the rows written on the primary, streamed over.
    assert responses[3].json()["id"] == review
    assert [item["id"] for item in responses[4].json()["items"]] == [review]


@needs_postgresql
async def test_a_read_with_the_token_of_a_write_sees_it_while_the_replica_lags(
    replicated_settings: Settings, replicated: Replicated
) -> None:
    replica = replicated.replica
    async with api_client(replicated_settings) as client:
        add_write_route(client)
        await eventually(lambda: served_by(client, "replica"), "reads on the replica")
        await asyncio.to_thread(replica.pause_replay)
        try:
            written = await client.post("/test/hotels", params={"name": "Fresh Paint Inn"})
            assert written.status_code == 201
            token, hotel = written.headers[TOKEN], written.json()["id"]
            assert parse_lsn(token) > 0
            url = f"/api/v1/hotels/{hotel}"

            # With the token: the replica has not replayed it, so the primary answers.
            seen = await read(client, url, token=token)
            assert seen.headers[SERVED_BY] == "primary"
            assert seen.json()["name"] == "Fresh Paint Inn"
            # Without it: the (still usable) replica answers, and does not have the hotel yet.
            listed = await read(client, "/api/v1/hotels")
            assert listed.headers[SERVED_BY] == "replica"
            assert hotel not in [item["id"] for item in listed.json()["items"]]
            await read(client, url, status=404)
        finally:
            await asyncio.to_thread(replica.resume_replay)

        # Once the replica has replayed past the token, it serves the read, with the write.
        async def replica_sees_it() -> bool:
            response = await read(client, url, token=token)
            return response.headers[SERVED_BY] == "replica"

        await eventually(replica_sees_it, "the replica serves the token once replayed")
        assert (await read(client, url, token=token)).json()["id"] == hotel


@needs_postgresql
async def test_a_read_with_a_token_waits_for_the_replica_to_replay_it(
    replicated: Replicated, tmp_path: Path
) -> None:
    # No checks after start-up: the replica's known position stays where it was then, so only
    # the wait (reading the replica's position until it passes the token) can pick it.
    settings = replicated.settings(
        tmp_path, replica_check_interval_seconds=3600.0, consistency_wait_seconds=10.0
    )
    async with api_client(settings) as client:
        add_write_route(client)
        replica = router_of(client).replicas[0]
        assert replica.usable
        written = await client.post("/test/hotels", params={"name": "Quick Replay Hotel"})
        token, hotel = written.headers[TOKEN], written.json()["id"]
        assert not replica.has_replayed(parse_lsn(token))
        response = await read(client, f"/api/v1/hotels/{hotel}", token=token)
        assert response.headers[SERVED_BY] == "replica"
        assert response.json()["name"] == "Quick Replay Hotel"
        assert replica.has_replayed(parse_lsn(token))


@needs_postgresql
async def test_a_replica_unreachable_from_the_start_is_never_used(
    replicated: Replicated, tmp_path: Path
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/routing"
    settings = replicated.settings(tmp_path)
    settings = settings.model_copy(
        update={"database_replica_urls": [SecretStr(nowhere), *settings.database_replica_urls]}
    )
    async with api_client(settings) as client:
        router = router_of(client)
        down, up = router.replicas
        assert not down.usable and "check failed" in down.health.reason
        response = await read(client, "/api/v1/providers")
        # The next one in the configured order serves the reads; readiness is the primary's.
        assert response.headers[SERVED_BY] == "replica" and router.served == {up.name: 1}
        assert (await read(client, "/readyz")).json()["status"] == "ready"


@needs_postgresql
async def test_a_stopped_replica_sends_reads_to_the_primary_and_they_come_back_by_themselves(
    replicated_settings: Settings, replicated: Replicated
) -> None:
    replica = replicated.replica
    statuses: list[int] = []
    async with api_client(replicated_settings) as client:
        await eventually(lambda: served_by(client, "replica"), "reads on the replica")
        await asyncio.to_thread(replica.stop_keeping_data)
        try:
            for _ in range(20):  # every read succeeds, whatever the monitor has seen so far
                response = await client.get("/api/v1/providers")
                statuses.append(response.status_code)
            await eventually(lambda: served_by(client, "primary"), "reads on the primary")
            assert not router_of(client).replicas[0].usable
        finally:
            await asyncio.to_thread(replica.start_again)
        await eventually(lambda: served_by(client, "replica"), "reads back on the replica")
    assert statuses == [200] * 20


@needs_postgresql
async def test_a_read_that_loses_its_replica_connection_is_retried_on_the_primary(
    replicated: Replicated, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # No checks during the test: only the failed read itself can take the replica out.
    settings = replicated.settings(tmp_path, replica_check_interval_seconds=3600.0)
    replica = replicated.replica
    async with api_client(settings) as client:
        router = router_of(client)
        target = router.replicas[0]
        assert await served_by(client, "replica")  # its pool now holds a connection
        await asyncio.to_thread(replica.stop_keeping_data)
        try:
            with caplog.at_level(logging.WARNING, logger="hotelreviews.routing"):
                response = await read(client, "/api/v1/providers")
            assert response.headers[SERVED_BY] == "primary"
            assert not target.usable and "connection failed" in target.health.reason
            assert "retrying on primary" in caplog.text
            assert await served_by(client, "primary")  # skipped now, no second failure
        finally:
            await asyncio.to_thread(replica.start_again)
        await router.check_replicas()  # what the monitor would do at its next check
        assert target.usable and await served_by(client, "replica")


@needs_postgresql
async def test_a_hot_read_through_the_driver_runs_on_the_replica_and_is_retried_on_the_primary(
    replicated: Replicated, replicated_settings: Settings, primary_engine: AsyncEngine
) -> None:
    # A hotel's detail runs its statement straight through asyncpg (core.driver_reads), on a
    # connection of the chosen target's pool.
    hotel = await Catalog(primary_engine).hotel("Driver Lane Hotel", city="Porto")
    await asyncio.to_thread(replicated.replica.wait_until_caught_up)
    # No checks during the test: only the failed read itself can take the replica out.
    settings = replicated_settings.model_copy(update={"replica_check_interval_seconds": 3600.0})
    url = f"/api/v1/hotels/{hotel}"
    async with api_client(settings) as client:
        router = router_of(client)
        target = router.replicas[0]
        sent: list[str] = []
        async with (
            sent_statements(target.engine, lambda sql, _: sent.append(sql)),
            recorded_statements(client) as on_primary,
        ):
            response = await read(client, url)
        assert response.headers[SERVED_BY] == "replica"
        assert response.json()["name"] == "Driver Lane Hotel"
        assert len(sent) == 1 and "FROM hotels" in sent[0] and on_primary == []
        await asyncio.to_thread(replicated.replica.stop_keeping_data)
        try:
            response = await read(client, url)  # the replica's pooled connection is gone
            assert response.headers[SERVED_BY] == "primary"
            assert response.json()["name"] == "Driver Lane Hotel"
            assert not target.usable and "connection failed" in target.health.reason
        finally:
            await asyncio.to_thread(replicated.replica.start_again)
        await router.check_replicas()
        assert target.usable and (await read(client, url)).headers[SERVED_BY] == "replica"


@needs_postgresql
async def test_a_replica_lagging_beyond_the_bound_is_skipped_until_it_catches_up(
    replicated: Replicated, tmp_path: Path, primary_engine: AsyncEngine
) -> None:
    settings = replicated.settings(tmp_path, replica_max_lag_seconds=1.0)
    replica = replicated.replica
    catalog = Catalog(primary_engine)
    async with api_client(settings) as client:
        await eventually(lambda: served_by(client, "replica"), "reads on the replica")
        await asyncio.to_thread(replica.pause_replay)
        try:

            async def lagging_writes_go_unreplayed() -> bool:
                await catalog.hotel("Lag Lodge")  # WAL the paused replica receives, not replays
                return await served_by(client, "primary")

            await eventually(lagging_writes_go_unreplayed, "the lagging replica is skipped")
            health = router_of(client).replicas[0].health
            assert not health.usable and "exceeds 1 s" in health.reason
            assert health.lag_seconds is not None and health.lag_seconds > 1.0
            assert health.lag_bytes is not None and health.lag_bytes > 0
        finally:
            await asyncio.to_thread(replica.resume_replay)
        await eventually(lambda: served_by(client, "replica"), "reads back on the replica")


@needs_postgresql
def test_a_replica_streams_through_its_own_slot_and_drops_it_when_removed(
    replicated: Replicated,
) -> None:
    primary = replicated.primary
    slots = "SELECT slot_name || ':' || active FROM pg_replication_slots ORDER BY 1"
    with ReplicaServer(primary, slot="routing_extra") as extra:
        extra.wait_until_caught_up()
        assert extra.psql("SELECT pg_is_in_recovery()").strip() == "t"
        assert "routing_extra:true" in primary.psql(slots).split()
    assert "routing_extra" not in primary.psql(slots)
    assert "routing_tests:true" in primary.psql(slots).split()  # the module's replica streams on


# ------------------------------------------------------------------- one target (and both)


async def test_a_single_database_serves_reads_with_or_without_a_token(settings: Settings) -> None:
    async with api_client(settings) as client:
        plain = await read(client, "/api/v1/providers")
        # A token from some write: nothing to wait for with one database.
        with_token = await read(client, "/api/v1/providers", token="0/16B3748")
        assert plain.headers[SERVED_BY] == with_token.headers[SERVED_BY] == "primary"
        assert plain.content == with_token.content
        assert router_of(client).replicas == ()
        token = await consistency_token(router_of(client).primary.engine)
    if settings.is_embedded:
        assert token is None  # SQLite sends no token
    else:
        assert token is not None and parse_lsn(token) > 0


@pytest.mark.parametrize(
    "token", ["yesterday", "0/", "16/B374D848/1", "0x16/0x1", "123456789/0", "1/2 "]
)
async def test_a_malformed_token_is_a_validation_problem(settings: Settings, token: str) -> None:
    async with api_client(settings) as client:
        response = await client.get("/api/v1/hotels", headers={TOKEN: token})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_failed"
    [error] = body["errors"]
    assert error["field"] == f"header.{TOKEN}"
    assert "WAL position such as 0/16B3748" in error["message"]


async def test_a_read_presenting_a_token_bypasses_the_response_cache(settings: Settings) -> None:
    cached = settings.model_copy(update={"cache_enabled": True, "cache_version_poll_seconds": 0.05})
    async with api_client(cached) as client:
        await eventually(
            lambda: _x_cache_is(client, "/api/v1/providers", "hit"), "a stored response"
        )
        async with recorded_statements(client) as statements:
            response = await read(client, "/api/v1/providers", token="0/16B3748")
        assert "x-cache" not in response.headers and "etag" not in response.headers
        assert [s for s in statements if "data_versions" not in s], "the route ran its query"


async def _x_cache_is(client: httpx.AsyncClient, url: str, value: str) -> bool:
    return (await read(client, url)).headers.get("x-cache") == value


@needs_postgresql
async def test_an_api_key_is_checked_on_the_replica_and_one_too_new_for_it_on_the_primary(
    replicated: Replicated, replicated_settings: Settings
) -> None:
    async with api_client(replicated_settings) as client:
        replicated.replica.pause_replay()
        try:
            headers = await api_key_headers(client, "analyst")  # the replica lacks it
            fresh = await client.get("/api/v1/ingestions", headers=headers)
            assert fresh.status_code == 200, fresh.text
        finally:
            replicated.replica.resume_replay()
        replicated.replica.wait_until_caught_up()  # the key and its last use

        # Known to the replica: checked there, not a statement about it on the primary.
        async with recorded_statements(client) as on_primary:
            again = await client.get("/api/v1/ingestions", headers=headers)
        assert again.status_code == 200
        assert not [statement for statement in on_primary if "api_keys" in statement]

        # A revocation counts once the replica has replayed it.
        keys = await security_service.list_api_keys(engine=router_of(client).primary.engine)
        await security_service.revoke_api_key(
            engine=router_of(client).primary.engine, key_id=keys[-1].id
        )
        replicated.replica.wait_until_caught_up()
        refused = await client.get("/api/v1/ingestions", headers=headers)
        assert refused.status_code == 401 and refused.json()["code"] == "invalid_api_key"
