"""Switchover and failover on a real primary with two streaming replicas, under load through
the real app.

The three PostgreSQL servers are laid out as `hotelreviews cluster up` lays them out (the
primary in us-east-1, replicas in eu-west-1 and ap-southeast-1, a replication slot each, the
shared WAL archive). The app is configured as the cluster configures eu-west-1's API: its
primary URL lists every server (the driver connects to the one that accepts writes) and its
read targets are the region's own server first, then the others. While a writer queues
ingestions (each acknowledged one has an id and the WAL position of its commit) and a reader
lists hotels, the disaster-recovery operations run in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from hotelreviews.api.reads import CONSISTENCY_TOKEN_HEADER
from hotelreviews.cluster.databases import DATABASE
from hotelreviews.cluster.layout import ClusterLayout
from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_status import database_status
from hotelreviews.cluster.pg_tools import PostgresError
from hotelreviews.core.settings import Settings
from hotelreviews.dr.failover import failover
from hotelreviews.dr.rejoin import rejoin
from hotelreviews.dr.switchover import switchover
from hotelreviews.dr.topology import DrError
from hotelreviews.routing import parse_lsn
from tests.conftest import BACKENDS
from tests.support.api_client import TEST_HOST, api_key_headers
from tests.support.pg_cluster import three_region_databases

pytestmark = pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="disaster recovery needs PostgreSQL"
)

REGION = "eu-west-1"  # the app under load is eu-west-1's
# Time for the load to run before and after each operation (work happens meanwhile).
LOAD_SECONDS = 1.5


@pytest.fixture
def cluster() -> Iterator[ClusterLayout]:
    with three_region_databases() as layout:
        yield layout


@dataclass
class Load:
    # ingestion id → the WAL position of its commit; None when the answer came without one
    # (the primary went away right after the commit: acknowledged, position unknown)
    acknowledged: dict[int, int | None] = field(default_factory=dict)
    refused: int = 0  # writes answered 503 (none acknowledged)
    unexpected: list[tuple[int, str]] = field(default_factory=list)
    reads: list[int] = field(default_factory=list)  # statuses, in order
    stop: asyncio.Event = field(default_factory=asyncio.Event)


def app_settings(layout: ClusterLayout, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path,
        region=REGION,
        database_url=layout.database_url(REGION, DATABASE),
        database_replica_urls=layout.replica_urls(REGION, DATABASE),
        replica_check_interval_seconds=0.1,
        cache_enabled=False,  # every read goes to a database
        rate_limit_enabled=False,
        source_allowed_s3=["dr-test"],  # what the writes below queue
    )


@pytest.fixture
async def clients(
    cluster: ClusterLayout, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A writer (an API key with the ingest role) and an anonymous reader of one app."""
    from hotelreviews.app.factory import create_app

    app = create_app(app_settings(cluster, tmp_path))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url=f"http://{TEST_HOST}") as writer,
            httpx.AsyncClient(transport=transport, base_url=f"http://{TEST_HOST}") as reader,
        ):
            writer.headers.update(await api_key_headers(writer, "ingest"))
            yield writer, reader


async def write_continuously(client: httpx.AsyncClient, load: Load) -> None:
    number = 0
    while not load.stop.is_set():
        number += 1
        response = await client.post(
            "/api/v1/ingestions",
            json={"source_uri": f"s3://dr-test/{number:06d}.jsonl"},
            headers={"Idempotency-Key": f"dr-{number}"},
        )
        if response.status_code == 202:
            token = response.headers.get(CONSISTENCY_TOKEN_HEADER)
            load.acknowledged[response.json()["id"]] = None if token is None else parse_lsn(token)
        elif response.status_code == 503 and "Retry-After" in response.headers:
            load.refused += 1
        else:
            load.unexpected.append((response.status_code, response.text[:300]))
        await asyncio.sleep(0.005)


async def read_continuously(client: httpx.AsyncClient, load: Load) -> None:
    while not load.stop.is_set():
        response = await client.get("/api/v1/hotels", params={"limit": 5})
        load.reads.append(response.status_code)
        await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def under_load(writer: httpx.AsyncClient, reader: httpx.AsyncClient) -> AsyncIterator[Load]:
    load = Load()
    tasks = [
        asyncio.create_task(write_continuously(writer, load)),
        asyncio.create_task(read_continuously(reader, load)),
    ]
    try:
        yield load
    finally:
        load.stop.set()
        await asyncio.gather(*tasks)


async def eventually(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.05)


async def eventually_async(client: httpx.AsyncClient, url: str, status: int) -> None:
    deadline = time.monotonic() + 60
    while (await client.get(url)).status_code != status:
        assert time.monotonic() < deadline, f"{url} never answered {status}"
        await asyncio.sleep(0.05)


async def writes_resume(load: Load) -> None:
    """Writes are acknowledged again (by the new primary, found by the driver)."""
    count = len(load.acknowledged)
    await eventually(lambda: len(load.acknowledged) >= count + 5, "writes are acknowledged again")


def ingestion_ids(node: PgNode) -> set[int]:
    rows = node.psql("SELECT id FROM ingestion_jobs", DATABASE).split()
    return {int(row) for row in rows}


def replicas_caught_up(nodes: dict[str, PgNode], primary: str) -> bool:
    head = parse_lsn(nodes[primary].wal_lsn())
    return all(
        parse_lsn(node.replay_lsn()) >= head
        for region, node in nodes.items()
        if region != primary and node.role() == "replica"
    )


def roles_of(nodes: dict[str, PgNode]) -> dict[str, tuple[str, str | None, str | None, bool]]:
    return {
        status.region: (status.role, status.follows, status.receiver, status.fenced)
        for status in database_status(nodes)
    }


async def primary_outage_is_read_only(writer: httpx.AsyncClient, reader: httpx.AsyncClient) -> None:
    """With the primary gone and no failover yet: the process stays ready (its balancer keeps
    it) on a replica, reads — an API key's too — are served, writes get 503 + Retry-After."""
    ready = await reader.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "read-only"
    listed = await writer.get("/api/v1/ingestions", params={"limit": 1})
    assert listed.status_code == 200, listed.text
    refused = await writer.post("/api/v1/ingestions", json={"source_uri": "s3://dr-test/x.jsonl"})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert refused.json()["code"] == "database_unavailable"


async def test_a_switchover_under_load_loses_no_acknowledged_write_and_every_read_is_served(
    cluster: ClusterLayout, clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    writer, reader = clients
    nodes = cluster.nodes()
    # The global entry sends writes to the region whose own server is the primary.
    assert (await reader.get("/health/primary")).status_code == 503
    async with under_load(writer, reader) as load:
        await asyncio.sleep(LOAD_SECONDS)
        acknowledged_before = len(load.acknowledged)
        result = await asyncio.to_thread(switchover, nodes, to=REGION)
        await writes_resume(load)
        await asyncio.sleep(LOAD_SECONDS)

    assert acknowledged_before > 0 and load.unexpected == []
    assert (result.old_primary, result.new_primary, result.timeline) == ("us-east-1", REGION, 2)
    await eventually_async(reader, "/health/primary", 200)
    # Zero acknowledged writes lost: the new primary holds every one.
    assert set(load.acknowledged) <= ingestion_ids(nodes[REGION])
    # Reads were served throughout: not one failed.
    assert load.reads and set(load.reads) == {200}
    # The old primary follows the new one, as does the other replica.
    assert roles_of(nodes) == {
        "us-east-1": ("replica", REGION, "streaming", False),
        REGION: ("primary", None, None, False),
        "ap-southeast-1": ("replica", REGION, "streaming", False),
    }
    await eventually(lambda: replicas_caught_up(nodes, REGION), "the replicas catch up")
    for node in nodes.values():
        assert set(load.acknowledged) <= ingestion_ids(node), node.name


async def test_a_failover_keeps_every_write_the_replicas_had_received_and_fences_the_old_primary(
    cluster: ClusterLayout, clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    writer, reader = clients
    nodes = cluster.nodes()
    old = nodes["us-east-1"]
    with pytest.raises(DrError, match="answers"):  # not while the primary is there
        failover(nodes)

    async with under_load(writer, reader) as load:
        await asyncio.sleep(LOAD_SECONDS)
        old.kill()  # SIGKILL: nothing flushed, nothing more sent
        await primary_outage_is_read_only(writer, reader)
        result = await asyncio.to_thread(failover, nodes)
        await writes_resume(load)
        await asyncio.sleep(LOAD_SECONDS)

    assert load.unexpected == []  # writes during the outage: 503 with Retry-After, never 5xx else
    assert load.reads and set(load.reads) == {200}
    assert result.old_primary == "us-east-1" and result.fenced == ["us-east-1"]
    new = result.new_primary
    stored = ingestion_ids(nodes[new])
    # Async replication may lose what no replica had received when the primary died; every
    # write whose commit the promoted replica had received is there.
    received = parse_lsn(result.promoted_at)
    must_survive = {
        ident for ident, lsn in load.acknowledged.items() if lsn is not None and lsn <= received
    }
    assert must_survive and must_survive <= stored
    lost = set(load.acknowledged) - stored
    # Any loss lies beyond what the promoted replica had received (or is a write answered
    # without a position, committed as the primary died).
    beyond = [lsn is None or lsn > received for lsn in map(load.acknowledged.get, lost)]
    assert all(beyond)

    # Fenced: it can only ever start as a replica, never as a second primary.
    assert old.is_fenced()
    old.start()
    assert old.role() == "replica"
    with pytest.raises(PostgresError):
        old.psql("CREATE TABLE split_brain (id int)", DATABASE)

    # Rejoined: rewound onto the new timeline, streaming from the new primary.
    rejoined = await asyncio.to_thread(rejoin, nodes, "us-east-1")
    assert rejoined.primary == new and rejoined.timeline == 2
    other = next(region for region in nodes if region not in (new, "us-east-1"))
    assert roles_of(nodes) == {
        "us-east-1": ("replica", new, "streaming", False),
        new: ("primary", None, None, False),
        other: ("replica", new, "streaming", False),
    }
    await eventually(lambda: replicas_caught_up(nodes, new), "the replicas catch up")
    assert ingestion_ids(old) == stored
