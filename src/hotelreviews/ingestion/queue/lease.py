"""Holding a job while it runs: a heartbeat renews the lease, each batch checks it first.

The check runs inside the batch's own transaction (writer.BatchHook) and updates the job's
row: on PostgreSQL that row stays locked until the batch commits, so a worker taking the job
over either skips it (SKIP LOCKED) or takes it after the commit, and the first worker's next
batch then finds the lease gone and rolls back. A batch therefore commits only while its
worker holds the job, and a takeover resumes exactly after the last committed batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import write_transaction
from hotelreviews.ingestion.queue import repository as repo
from hotelreviews.ingestion.writing.batch import ParsedBatch

logger = logging.getLogger("hotelreviews.worker")


class LeaseLost(Exception):
    """Another worker has taken the job over (this one was silent for a whole lease)."""


class StopRequested(Exception):
    """The worker is stopping: the batch about to be written is left for the next worker."""


class ContentBusy(Exception):
    """The file's content is an unfinished run that another active job is reading."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"ingestion {run_id} is reading the same content")
        self.run_id = run_id


class JobLease:
    """One worker's hold on one job."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        job_id: int,
        owner: str,
        lease_seconds: float,
        heartbeat_seconds: float,
        stopping: asyncio.Event,
    ) -> None:
        self.engine = engine
        self.job_id = job_id
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.stopping = stopping

    async def fence(self, connection: AsyncConnection, run_id: int, batch: ParsedBatch) -> None:
        """The batch hook: stop before writing if asked to, or if the job is not ours."""
        if self.stopping.is_set():
            raise StopRequested()
        if run_id != self.job_id and await repo.is_active_job(connection, job_id=run_id):
            # Resuming another job's unfinished run would interleave two writers' batches.
            raise ContentBusy(run_id)
        held = await repo.record_progress(
            connection,
            job_id=self.job_id,
            owner=self.owner,
            lease_seconds=self.lease_seconds,
            run_id=run_id,
            lines_done=batch.last_line,
            bytes_done=batch.bytes_read,
        )
        if not held:
            raise LeaseLost(f"ingestion {self.job_id} was taken over by another worker")

    @contextlib.asynccontextmanager
    async def heartbeat(self) -> AsyncIterator[None]:
        """Renew the lease every heartbeat while the block runs."""
        task = asyncio.create_task(self._beat(), name=f"lease-{self.job_id}")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                async with write_transaction(self.engine) as connection:
                    held = await repo.renew_lease(
                        connection,
                        job_id=self.job_id,
                        owner=self.owner,
                        lease_seconds=self.lease_seconds,
                    )
            except Exception as error:  # the next beat may get through; batches check anyway
                logger.warning("ingestion %d: could not renew the lease: %s", self.job_id, error)
                continue
            if not held:
                # The next batch's check rolls it back and ends the attempt.
                logger.warning("ingestion %d: lease lost to another worker", self.job_id)
                return
