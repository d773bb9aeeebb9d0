"""What the drill needs from, and leaves in, the database and the API: its writer's API key,
hotel ids to read, the ingestions it queued (to count what survived, then to delete them)."""

from __future__ import annotations

import asyncio
import ssl

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from hotelreviews.cluster.databases import DATABASE
from hotelreviews.cluster.layout import ClusterLayout
from hotelreviews.cluster.pg import PgNode, PostgresError
from hotelreviews.dr.drill.load import drill_sources_pattern
from hotelreviews.routing.lsn import parse_lsn
from hotelreviews.security import service as security
from hotelreviews.security.roles import INGEST

HOTELS_TO_READ = 50


def create_writer_key(layout: ClusterLayout, region: str, run_id: str) -> tuple[int, str]:
    """A new API key with the ingest role, made in the primary's database: (its id, secret)."""

    async def create() -> tuple[int, str]:
        engine = create_async_engine(layout.database_url(region, DATABASE))
        try:
            key, secret = await security.create_api_key(
                engine=engine, name=f"dr drill {run_id}", roles=frozenset({INGEST})
            )
        finally:
            await engine.dispose()
        return key.id, secret

    return asyncio.run(create())


def revoke_writer_key(layout: ClusterLayout, region: str, key_id: int) -> None:
    async def revoke() -> None:
        engine = create_async_engine(layout.database_url(region, DATABASE))
        try:
            await security.revoke_api_key(engine=engine, key_id=key_id)
        finally:
            await engine.dispose()

    asyncio.run(revoke())


def replicas_caught_up(primary: PgNode, replicas: list[PgNode]) -> bool:
    """Every replica has replayed what the primary had flushed when asked (the key is there)."""
    head = parse_lsn(primary.wal_lsn())
    return all(parse_lsn(replica.replay_lsn()) >= head for replica in replicas)


def hotel_ids(base_url: str, tls: ssl.SSLContext) -> list[int]:
    """Some hotels' ids, asked through the global entry (none on a cluster without data)."""
    response = httpx.get(
        f"{base_url}/api/v1/hotels", params={"limit": HOTELS_TO_READ}, verify=tls, timeout=30
    )
    response.raise_for_status()
    return [int(item["id"]) for item in response.json()["items"]]


def stored_writes(primary: PgNode, run_id: str) -> dict[int, str]:
    """The drill's ingestions the primary holds: id → source URI."""
    output = primary.psql(
        "SELECT id, source_uri FROM ingestion_jobs "
        f"WHERE source_uri LIKE '{drill_sources_pattern(run_id)}'",
        DATABASE,
    )
    stored = {}
    for line in output.splitlines():
        if line.strip():
            ident, source = line.split("|", 1)
            stored[int(ident)] = source
    return stored


# A deadlock is retried: the clean-up is one transaction, so a retry starts clean.
CLEANUP_ATTEMPTS = 3


def delete_drill_writes(primary: PgNode, run_id: str) -> int:
    """Delete the drill's queued ingestions (their bucket does not exist: workers would retry
    them for nothing); returns how many.

    A region's worker may hold one of these jobs meanwhile. The clean-up takes its row locks
    in the worker's order, the job's row (ingestion_jobs) then its ingestion's
    (ingested_files), each set in id order, before deleting anything; so it waits for the
    worker or the worker waits for it, never both. A deadlock with some other writer is still
    retried a few times (PostgreSQL rolls one side back; the transaction leaves nothing)."""
    pattern = drill_sources_pattern(run_id)
    # One psql -c string is one transaction; psql prints the last statement's result.
    sql = f"""
        CREATE TEMP TABLE drill_ids AS
            SELECT id FROM ingestion_jobs WHERE source_uri LIKE '{pattern}';
        SELECT count(*) FROM (SELECT id FROM ingestion_jobs
            WHERE id IN (SELECT id FROM drill_ids) ORDER BY id FOR UPDATE) AS jobs;
        SELECT count(*) FROM (SELECT id FROM ingested_files
            WHERE id IN (SELECT id FROM drill_ids) ORDER BY id FOR UPDATE) AS files;
        DELETE FROM ingestion_jobs WHERE id IN (SELECT id FROM drill_ids);
        DELETE FROM rejected_lines WHERE file_id IN (SELECT id FROM drill_ids);
        DELETE FROM ingested_files WHERE id IN (SELECT id FROM drill_ids);
        SELECT count(*) FROM drill_ids;
        """
    for attempt in range(1, CLEANUP_ATTEMPTS + 1):
        try:
            output = primary.psql(sql, DATABASE)
        except PostgresError as error:
            if attempt == CLEANUP_ATTEMPTS or "deadlock detected" not in str(error):
                raise
            continue
        return int(output.split()[-1])
    raise AssertionError("unreachable")
