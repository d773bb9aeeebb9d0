"""The job queue's metrics from a real queue, on both backends: jobs by state and the longest
wait of a due job (measured from the database), dead letters counted by the worker, and the
worker's own /metrics port."""

from __future__ import annotations

import asyncio
import subprocess
import urllib.request
from datetime import timedelta
from pathlib import Path

import orjson
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingestion_jobs
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.metrics import measure_queue
from hotelreviews.ingestion.queue.service import poll_sources
from hotelreviews.ingestion.queue.worker import Worker
from tests.support.feeds import nested_line
from tests.support.metrics import Snapshot, sample
from tests.support.pg_server import free_port
from tests.support.workers import (
    quick_worker_settings,
    wait_for,
    worker_command,
    worker_environment,
)

JOBS = "hotelreviews_jobs"
OLDEST = "hotelreviews_jobs_oldest_queued_age_seconds"
DEAD_LETTERED = "hotelreviews_jobs_dead_lettered_total"


def write_feed(path: Path, *, hotel: int, reviews: range) -> Path:
    lines = [nested_line(hotel=hotel, review=r, rating=8.0, text=f"Review {r}.") for r in reviews]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def states() -> dict[str, float]:
    names = ("queued", "running", "retrying", "succeeded", "dead")
    return {state: sample(JOBS, state=state) or 0.0 for state in names}


async def test_queue_gauges_follow_the_jobs_table(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for name in ("a.jl", "b.jl", "c.jl"):
        write_feed(feeds / name, hotel=1, reviews=range(1, 3))
    worker_settings = quick_worker_settings(settings, feeds)
    assert await poll_sources(engine=engine, settings=worker_settings) == 3
    # The first job has been due for an hour: the gauge says how long the queue keeps it.
    async with write_transaction(engine) as connection:
        first = (await connection.execute(sa.select(sa.func.min(ingestion_jobs.c.id)))).scalar()
        await connection.execute(
            sa.update(ingestion_jobs)
            .where(ingestion_jobs.c.id == first)
            .values(next_attempt_at=utcnow() - timedelta(hours=1))
        )

    await measure_queue(engine)
    assert states() == {"queued": 3, "running": 0, "retrying": 0, "succeeded": 0, "dead": 0}
    assert 3600 <= (sample(OLDEST) or 0) < 7200

    await Worker(engine=engine, settings=worker_settings).run(once=True)
    await measure_queue(engine)
    assert states() == {"queued": 0, "running": 0, "retrying": 0, "succeeded": 3, "dead": 0}
    assert sample(OLDEST) == 0


async def test_a_job_given_up_is_dead_lettered(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "binary.jl").write_bytes(b"\x00\x01\x02 not text" * 100)
    before = Snapshot()

    await Worker(engine=engine, settings=quick_worker_settings(settings, feeds)).run(once=True)

    assert before.increase(DEAD_LETTERED) == 1
    await measure_queue(engine)
    assert states()["dead"] == 1


async def test_the_worker_serves_its_metrics_on_its_port(
    settings: Settings, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    write_feed(feeds / "a.jl", hotel=1, reviews=range(1, 3))
    port = free_port()
    env = worker_environment(
        settings, worker_sources=str(feeds), worker_metrics_port=port, worker_poll_seconds=0.2
    )
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(worker_command(), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:

        async def succeeded_in_metrics() -> bool:
            assert process.poll() is None, (tmp_path / "worker.log").read_text()
            try:
                text = await asyncio.to_thread(_get, f"http://127.0.0.1:{port}/metrics")
            except OSError:
                return False
            found = {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
            }
            return found.get((JOBS, (("state", "succeeded"),))) == 1

        await wait_for(succeeded_in_metrics, "the worker's /metrics to show its job succeeded")
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())
