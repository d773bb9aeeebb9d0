"""The queue's metrics, measured from the database by the worker: jobs by state and how long
the longest-waiting due job has waited. Metric definitions: observability.metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.ingestion.queue import repository as repo
from hotelreviews.observability.metrics import JOBS, JOBS_OLDEST_QUEUED_AGE

logger = logging.getLogger("hotelreviews.worker")

STATES = (repo.QUEUED, repo.RUNNING, repo.RETRYING, repo.SUCCEEDED, repo.DEAD)
# How often a worker serving /metrics measures the queue: two cheap queries each time.
MEASURE_EVERY_SECONDS = 5.0


async def measure_queue(engine: AsyncEngine) -> None:
    """Set the queue gauges from the database now."""
    async with read_transaction(engine) as connection:
        counts = await repo.jobs_by_status(connection)
        waited = await repo.longest_due_wait_seconds(connection)
    for state in STATES:  # every state, 0 included: a state that empties must read 0
        JOBS.labels(state=state).set(counts.get(state, 0))
    JOBS_OLDEST_QUEUED_AGE.set(waited)


async def keep_measuring(
    writer: Callable[[], AsyncEngine], *, every: float = MEASURE_EVERY_SECONDS
) -> None:
    """Measure the queue now and every `every` seconds until cancelled, on the writer's
    engine of the moment (`writer()`: the writer can move while the worker runs)."""
    while True:
        try:
            await measure_queue(writer())
        except Exception as error:  # the database away: the gauges keep their last values
            logger.warning("could not measure the job queue: %s", error)
        await asyncio.sleep(every)
