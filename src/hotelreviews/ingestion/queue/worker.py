"""The ingestion worker: polls its sources, takes due jobs one at a time and runs them.

One job at a time per process (scale by running more processes, on any machine that reaches
the database). A job runs through the same `ingest_file` as `hotelreviews ingest`, with the
ingestion its job reserved and a lease check before each batch (lease.py). Outcomes:

- the file ingested, or its content found already ingested → succeeded;
- the source can't be read (SourceError: missing, refused — a local path that is not really
  in a polled folder, or a link leading out of one — or over a source limit) → dead at
  once, with the error;
- anything else (database, network, S3 or http 5xx, a bug) → retried after an exponential
  backoff with jitter, dead after `max_attempts` attempts, the last error kept;
- the worker asked to stop → the job goes back to the queue without using an attempt, after
  the batch being written has committed;
- the lease lost (this worker was silent a whole lease, another took over) → left alone.

The writer can move while the worker runs (`dr rds` re-points it; the worker's command follows
it: dr.rds.writer_follow). A job runs on the writer it was claimed on, from its claim to its
recorded outcome: its batches and its outcome never land on two databases. If that writer is
gone, the job fails there and nothing is recorded; its lease expires on the new writer and it
is taken again there, resuming after the last batch the new writer has. Every claim, poll and
check after the move goes to the new writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.core.wording import plural
from hotelreviews.events.notify import announce
from hotelreviews.ingestion.queue import repository as repo
from hotelreviews.ingestion.queue.lease import ContentBusy, JobLease, LeaseLost, StopRequested
from hotelreviews.ingestion.queue.retry import backoff_seconds, is_permanent
from hotelreviews.ingestion.queue.service import poll_sources
from hotelreviews.ingestion.queue.uris import local_roots, target_of
from hotelreviews.ingestion.sources.remote import redact_url
from hotelreviews.ingestion.writing.bulk import restore_indexes
from hotelreviews.ingestion.writing.progress_events import record_ingestion_event
from hotelreviews.ingestion.writing.reports import FileReport
from hotelreviews.ingestion.writing.service import ingest_file
from hotelreviews.ingestion.writing.writer import KnownIds
from hotelreviews.observability.metrics import JOBS_DEAD_LETTERED

logger = logging.getLogger("hotelreviews.worker")

Ingest = Callable[..., Awaitable[FileReport]]
# How often an idle worker looks for jobs queued through the API (polls of the sources
# follow worker_poll_seconds).
IDLE_CHECK_SECONDS = 1.0


def worker_name() -> str:
    """host:pid:random — unique per process, readable in the jobs table."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        *,
        engine: AsyncEngine | None = None,
        writer: Callable[[], AsyncEngine] | None = None,
        settings: Settings,
        name: str | None = None,
        ingest: Ingest = ingest_file,
    ) -> None:
        """`engine`: the database, fixed; or `writer`: asked for the writer's engine before
        each claim (it may change while the worker runs: a DatabaseRouter's primary)."""
        if (engine is None) == (writer is None):
            raise TypeError("Worker needs an engine or a writer, not both")
        self._engine, self._writer = engine, writer
        self.settings = settings
        self.name = name or worker_name()
        self._ingest = ingest
        self.stopping = asyncio.Event()

    @property
    def engine(self) -> AsyncEngine:
        """The writer's engine now."""
        if self._writer is not None:
            return self._writer()
        assert self._engine is not None  # one of the two, checked in __init__
        return self._engine

    def stop(self) -> None:
        """Take no more jobs; the one running stops after the batch being written."""
        self.stopping.set()

    async def run(self, *, once: bool = False) -> None:
        """Work until stopped; with `once`, poll once and return when no job is left
        unfinished (queued, running anywhere, or waiting for a retry)."""
        next_poll, polled = 0.0, False
        while not self.stopping.is_set():
            if time.monotonic() >= next_poll and not (once and polled):
                await self._poll()
                next_poll, polled = time.monotonic() + self.settings.worker_poll_seconds, True
            # The job stays on the writer it was claimed on, whatever moves meanwhile.
            engine = self.engine
            job = await self._claim(engine)
            if job is not None:
                try:
                    await self.process(job, engine=engine)
                except Exception:
                    # Recording the outcome failed (the database away): the lease expires
                    # and the job is taken again, resuming after its last committed batch.
                    logger.exception("ingestion %d: could not record its outcome", job.id)
                continue
            if once and not await self._unfinished_jobs():
                return
            idle = min(IDLE_CHECK_SECONDS, self.settings.worker_poll_seconds)
            if not once:
                idle = min(idle, max(0.0, next_poll - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=max(idle, 0.01))

    async def _poll(self) -> None:
        try:
            await poll_sources(engine=self.engine, settings=self.settings)
        except Exception as error:  # the database away: the next poll tries again
            logger.warning("polling the sources failed: %s", error)

    async def _claim(self, engine: AsyncEngine) -> Any:
        try:
            async with write_transaction(engine) as connection:
                return await repo.claim_due_job(
                    connection, owner=self.name, lease_seconds=self.settings.worker_lease_seconds
                )
        except Exception as error:
            logger.warning("could not take a job: %s", error)
            return None

    async def _unfinished_jobs(self) -> bool:
        async with read_transaction(self.engine) as connection:
            return await repo.has_unfinished_jobs(connection)

    async def process(self, job: Any, *, engine: AsyncEngine | None = None) -> None:
        """Run one claimed job to an outcome (see the module's docstring), on `engine`: the
        database it was claimed on (by default the writer's now)."""
        engine = engine or self.engine
        if job.attempts > job.max_attempts:
            # Taken over after the lease of its last attempt expired: each worker died on it.
            await self._dead(
                engine, job, job.last_error or "every attempt ended with its worker gone"
            )
            return
        logger.info(
            "ingestion %d started (attempt %d of %d): %s",
            job.id,
            job.attempts,
            job.max_attempts,
            redact_url(job.source_uri),
        )
        lease = JobLease(
            engine=engine,
            job_id=job.id,
            owner=self.name,
            lease_seconds=self.settings.worker_lease_seconds,
            heartbeat_seconds=self.settings.worker_heartbeat_seconds,
            stopping=self.stopping,
        )
        started = time.monotonic()
        try:
            async with lease.heartbeat():
                # An interrupted bulk load (ingest --bulk) left indexes missing: build them
                # before adding to it, as `hotelreviews ingest` does.
                await restore_indexes(engine)
                report = await self._ingest(
                    engine=engine,
                    settings=self.settings,
                    path=target_of(job.source_uri),
                    known=KnownIds(),
                    reserved_run_id=job.id,
                    in_batch=lease.fence,
                    # A local path is read only if it is really in a folder this worker polls.
                    local_roots=local_roots(self.settings.worker_sources),
                )
        except LeaseLost:
            logger.warning("ingestion %d: another worker took it over; leaving it", job.id)
            return
        except StopRequested:
            await self._release(engine, job, note=None)
            logger.info("ingestion %d released: the worker is stopping", job.id)
            return
        except ContentBusy as busy:
            await self._release(
                engine, job, note=f"waiting: {busy}", delay=self.settings.worker_poll_seconds
            )
            logger.info("ingestion %d waits: %s", job.id, busy)
            return
        except Exception as error:
            await self._failed(engine, job, _describe(error), permanent=is_permanent(error))
            return
        await self._reported(engine, job, report, time.monotonic() - started)

    async def _reported(
        self, engine: AsyncEngine, job: Any, report: FileReport, seconds: float
    ) -> None:
        if report.status == "failed":
            message = report.message or "the source could not be read"
            await self._failed(
                engine, job, message, permanent=not report.transient, run=report.run_id
            )
            return
        duplicate = report.status == "skipped" and report.run_id != job.id
        async with self._changing_status(engine, job.id) as connection:
            # The job's row first, then its ingestion's: the order of every batch (lease
            # fence, then progress), so this never deadlocks with a writer taking both.
            finished = await repo.finish_job(
                connection,
                job_id=job.id,
                owner=self.name,
                status=repo.SUCCEEDED,
                run_id=report.run_id,
                lines_done=report.counts.lines_done if not duplicate else 0,
            )
            if duplicate:
                await repo.settle_reservation(connection, job_id=job.id, status=repo.SKIPPED)
        if not finished:
            logger.warning("ingestion %d: finished, but another worker holds it now", job.id)
            return
        if duplicate:
            logger.info(
                "ingestion %d succeeded: same content already ingested as ingestion %d",
                job.id,
                report.run_id,
            )
            return
        counts = report.counts
        resumed = (
            f" (resumed after line {report.resumed_after_line:,})"
            if report.resumed_after_line
            else ""
        )
        logger.info(
            "ingestion %d succeeded in %.1f s%s: %s, %s new, %s updated, %s unchanged, %s rejected",
            job.id,
            seconds,
            resumed,
            plural(counts.lines_done, "line"),
            f"{counts.new:,}",
            f"{counts.updated:,}",
            f"{counts.unchanged:,}",
            f"{counts.rejected:,}",
        )

    async def _failed(
        self,
        engine: AsyncEngine,
        job: Any,
        error: str,
        *,
        permanent: bool,
        run: int | None = None,
    ) -> None:
        if permanent or job.attempts >= job.max_attempts:
            await self._dead(engine, job, error, run=run)
            return
        delay = backoff_seconds(
            job.attempts,
            base=self.settings.worker_backoff_base_seconds,
            cap=self.settings.worker_backoff_max_seconds,
        )
        async with self._changing_status(engine, job.id) as connection:
            await repo.schedule_retry(
                connection, job_id=job.id, owner=self.name, delay_seconds=delay, error=error
            )
        logger.warning(
            "ingestion %d failed (attempt %d of %d), retrying in %.1f s: %s",
            job.id,
            job.attempts,
            job.max_attempts,
            delay,
            error,
        )

    async def _dead(
        self, engine: AsyncEngine, job: Any, error: str, *, run: int | None = None
    ) -> None:
        async with self._changing_status(engine, job.id) as connection:
            # The job's row, then its ingestion's (as in _reported and every batch).
            await repo.finish_job(
                connection,
                job_id=job.id,
                owner=self.name,
                status=repo.DEAD,
                run_id=run if run is not None else job.run_id,
                error=error,
            )
            if run is None:
                await repo.settle_reservation(
                    connection, job_id=job.id, status=repo.FAILED, error=error
                )
        JOBS_DEAD_LETTERED.inc()
        logger.error(
            "ingestion %d is dead after %d attempt(s): %s",
            job.id,
            min(job.attempts, job.max_attempts),
            error,
        )

    async def _release(
        self, engine: AsyncEngine, job: Any, *, note: str | None, delay: float = 0.0
    ) -> None:
        async with self._changing_status(engine, job.id) as connection:
            await repo.release_job(
                connection, job_id=job.id, owner=self.name, delay_seconds=delay, note=note
            )

    @contextlib.asynccontextmanager
    async def _changing_status(
        self, engine: AsyncEngine, job_id: int
    ) -> AsyncIterator[AsyncConnection]:
        """A write transaction that changes the job's status, its "ingestion" event recorded
        last in it (events.outbox) and announced once it has committed."""
        async with write_transaction(engine) as connection:
            yield connection
            last_event_id = await record_ingestion_event(
                connection, ingestion_id=job_id, settings=self.settings
            )
        await announce(settings=self.settings, up_to=last_event_id)


def _describe(error: BaseException) -> str:
    """One line for the job's last error: the type and message, without a traceback."""
    message = str(getattr(error, "orig", None) or error).strip().splitlines()
    text = message[0] if message else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
