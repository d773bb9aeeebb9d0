"""Issue 13, item 10: the DR drill's clean-up deadlocked with a region's worker.

The clean-up (dr.drill.data.delete_drill_writes) deleted the drill's `ingestion_jobs` rows,
then their `ingested_files` rows; a worker dead-lettering one of those jobs updated the
`ingested_files` row, then the `ingestion_jobs` row: opposite orders, so each could end up
waiting for the other ("deadlock detected … relation ingested_files", seen once in
`make test`). The test makes that interleaving happen every time: a third transaction holds
one of the job's rejected lines, so the clean-up stops between its two tables; the worker
then runs into the middle; the third transaction lets go. PostgreSQL only (the drill is).
"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cluster.pg import PgNode
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.dr.drill import data as drill_data
from hotelreviews.dr.drill.load import DRILL_BUCKET
from hotelreviews.ingestion.queue import repository as jobs_repo
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.tables import ingested_files, ingestion_jobs, rejected_lines
from tests.support.locks import wait_for_lock_waits
from tests.support.pg_server import PostgresServer


async def _queue_abandoned_drill_job(engine: AsyncEngine, run_id: str) -> int:
    """A drill job with a rejected line, whose every attempt's worker vanished: the next
    worker to take it dead-letters it at once (never reading its bucket)."""
    uri = f"s3://{DRILL_BUCKET}/{run_id}/part-1.jsonl"
    async with write_transaction(engine) as connection:
        job_id = await jobs_repo.insert_job(
            connection,
            source_uri=uri,
            shown_uri=uri,
            display_name="part-1.jsonl",
            source_identity=None,
            bytes_total=None,
            max_attempts=1,
        )
        await connection.execute(
            sa.insert(rejected_lines).values(
                file_id=job_id, line_number=1, reason="invalid_json", message="x", excerpt="{"
            )
        )
        await connection.execute(
            sa.update(ingestion_jobs)
            .where(ingestion_jobs.c.id == job_id)
            .values(
                status=jobs_repo.RUNNING,
                attempts=1,
                lease_owner="a worker that vanished",
                lease_expires_at=sa.func.now() - sa.text("interval '1 hour'"),
            )
        )
    return job_id


async def _rows_of(engine: AsyncEngine, job_id: int) -> list[str]:
    """Which of the job's rows are left."""
    left = []
    async with engine.connect() as connection:
        for table, column in (
            (ingestion_jobs, ingestion_jobs.c.id),
            (ingested_files, ingested_files.c.id),
            (rejected_lines, rejected_lines.c.file_id),
        ):
            found = await connection.execute(sa.select(sa.func.count()).where(column == job_id))
            if found.scalar_one():
                left.append(table.name)
    return left


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_the_drill_clean_up_completes_while_a_worker_dead_letters_one_of_its_jobs(
    engine: AsyncEngine,
    settings: Settings,
    pg_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The clean-up runs through psql against the test's database, as on a region's primary.
    assert pg_server.root_dir is not None and pg_server.port is not None
    primary = PgNode(name="primary", root=pg_server.root_dir, port=pg_server.port)
    monkeypatch.setattr(drill_data, "DATABASE", engine.url.database)
    worker = Worker(engine=engine, settings=settings, name="region worker")

    for attempt in range(3):
        run_id = f"drill-{attempt}"
        job_id = await _queue_abandoned_drill_job(engine, run_id)
        async with write_transaction(engine) as connection:
            job = await jobs_repo.claim_due_job(connection, owner=worker.name, lease_seconds=60)
        assert job is not None and job.id == job_id

        async with engine.connect() as holder:
            transaction = await holder.begin()
            await holder.execute(
                sa.select(rejected_lines.c.id)
                .where(rejected_lines.c.file_id == job_id)
                .with_for_update()
            )
            cleanup = asyncio.create_task(
                asyncio.to_thread(drill_data.delete_drill_writes, primary, run_id)
            )
            await wait_for_lock_waits(engine, 1)  # the clean-up, stopped at rejected_lines
            dead_lettering = asyncio.create_task(worker.process(job))
            await wait_for_lock_waits(engine, 2)  # the worker, stopped by the clean-up
            await transaction.rollback()

        # Both end without an error (a deadlock fails one of them) ...
        assert await cleanup == 1
        await dead_lettering
        # ... and the drill's rows are gone, all of them.
        assert await _rows_of(engine, job_id) == []
