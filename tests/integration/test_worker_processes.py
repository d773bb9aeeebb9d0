"""`hotelreviews worker` processes sharing one queue: signals, crashes and takeovers.

Every test runs real worker processes against the test's database and compares end states
exactly: per file one succeeded run, and after a SIGKILL the state of an uninterrupted run
(tests/support/snapshots.py). Waits poll the database with generous deadlines.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files, reviews
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from tests.support.feeds import nested_line, write_mixed_feed
from tests.support.snapshots import snapshot
from tests.support.workers import jobs_by_id, wait_for, worker_command, worker_environment

pytestmark = pytest.mark.slow

BATCH = 200
LINES = 8_000


class Workers:
    """Worker processes started by a test; whatever is left running at the end is killed."""

    def __init__(self, settings: Settings, logs: Path, sources: Path) -> None:
        self.settings, self.logs, self.sources = settings, logs, sources
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, *arguments: str, settings: Settings | None = None) -> subprocess.Popen[bytes]:
        log = self.logs / f"worker-{len(self.started) + 1}.log"
        env = worker_environment(
            settings or self.settings,
            worker_sources=self.sources,
            ingest_batch_size=BATCH,
        )
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                worker_command(*arguments), env=env, stdout=subprocess.DEVNULL, stderr=stderr
            )
        self.started.append((process, log))
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        return next(log for started, log in self.started if started is process).read_text()

    async def exit_code(self, process: subprocess.Popen[bytes]) -> int:
        code = await wait_for(
            lambda: _async(process.poll() is not None), "the worker to exit", deadline=120
        )
        assert code
        return process.returncode

    def kill_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()


async def _async(value: Any) -> Any:
    return value


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    return folder


@pytest.fixture
def workers(settings: Settings, tmp_path: Path, sources: Path) -> Iterator[Workers]:
    started = Workers(settings, tmp_path, sources)
    try:
        yield started
    finally:
        started.kill_all()


def deliver(folder: Path, name: str, lines: list[dict]) -> None:
    """Write a feed elsewhere and rename it into the folder: it appears whole, as providers
    are asked to deliver."""
    staging = folder.parent / f".{name}.part"
    staging.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    os.replace(staging, folder / name)


async def count(engine: AsyncEngine, query: sa.Select[Any]) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def test_two_workers_sharing_a_queue_ingest_each_of_50_files_exactly_once(
    engine: AsyncEngine, workers: Workers, sources: Path
) -> None:
    first, second = workers.start(), workers.start()

    async def both_started() -> bool:
        return all("started:" in workers.log(worker) for worker in (first, second))

    # Both must be running before the first file lands; otherwise the one that starts first
    # can drain the whole queue alone on a loaded machine.
    await wait_for(both_started, "both workers started")
    for number in range(50):
        lines = [
            nested_line(hotel=number, review=number * 1000 + r, rating=7.5, text=f"R{r}.")
            for r in range(60)
        ]
        deliver(sources, f"feed_{number:02d}_2025-03-16.jl", lines)

    async def all_succeeded() -> bool:
        jobs = await jobs_by_id(engine)
        return len(jobs) == 50 and all(job.status == "succeeded" for job in jobs.values())

    await wait_for(all_succeeded, "50 succeeded ingestions")
    first.send_signal(signal.SIGTERM)
    second.send_signal(signal.SIGTERM)
    assert await workers.exit_code(first) == 0, workers.log(first)
    assert await workers.exit_code(second) == 0, workers.log(second)

    jobs = await jobs_by_id(engine)
    assert len(jobs) == 50
    assert {job.attempts for job in jobs.values()} == {1}
    assert all(job.run_id == job.id for job in jobs.values())
    async with engine.connect() as connection:
        runs = (await connection.execute(sa.select(ingested_files))).all()
    assert len(runs) == 50
    assert {(run.status, run.lines_done, run.reviews_new) for run in runs} == {
        ("succeeded", 60, 60)
    }
    assert len({run.checksum for run in runs}) == 50
    assert await count(engine, sa.select(sa.func.count()).select_from(reviews)) == 3000
    # Both took part, and each job was started and finished once, by one of them.
    assert len({job.lease_owner for job in jobs.values()}) == 2
    logs = workers.log(first) + workers.log(second)
    for job_id in jobs:
        assert logs.count(f"ingestion {job_id} started") == 1
        assert logs.count(f"ingestion {job_id} succeeded") == 1


@pytest.fixture
def big_feed(sources: Path) -> Path:
    feed = sources / "mixed_2025-03-20.jl"
    write_mixed_feed(feed, lines=LINES)
    return feed


@pytest.fixture
async def uninterrupted(
    settings: Settings,
    big_feed: Path,
    sources: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> dict[str, list[tuple[Any, ...]]]:
    """The snapshot of the same feed ingested by one worker, uninterrupted, in another
    database."""
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    if settings.database_url is None:
        reference = Settings(environment="test", data_dir=reference_dir)
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create_database(
            f"reference_{os.getpid()}_{id(tmp_path)}",
            template=request.getfixturevalue("pg_template"),
        )
        reference = Settings(environment="test", data_dir=reference_dir, database_url=url)
    env = worker_environment(reference, worker_sources=sources, ingest_batch_size=BATCH)
    done = subprocess.run(worker_command("--once"), env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    engine = create_engine(reference)
    try:
        return await snapshot(engine)
    finally:
        await engine.dispose()


async def lines_done(engine: AsyncEngine) -> int:
    return await count(
        engine, sa.select(sa.func.coalesce(sa.func.max(ingested_files.c.lines_done), 0))
    )


async def test_a_killed_worker_s_job_is_taken_over_and_ends_as_an_uninterrupted_run(
    engine: AsyncEngine,
    workers: Workers,
    uninterrupted: dict[str, list[tuple[Any, ...]]],
) -> None:
    doomed = workers.start()
    await wait_for(lambda: _past(engine, 7 * BATCH), "the first worker's progress")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    (job,) = (await jobs_by_id(engine)).values()
    assert job.status == "running" and BATCH * 7 <= job.lines_done < LINES

    # Its lease runs out (3 s here); then another worker takes the job over.
    successor = workers.start("--once")
    assert await workers.exit_code(successor) == 0, workers.log(successor)

    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts, job.run_id) == ("succeeded", 2, job.id)
    assert f"ingestion {job.id} started (attempt 2 of 5)" in workers.log(successor)
    assert await snapshot(engine) == uninterrupted


async def _past(engine: AsyncEngine, lines: int) -> bool:
    return await lines_done(engine) > lines


async def test_sigterm_finishes_the_batch_releases_the_job_and_exits_0(
    engine: AsyncEngine,
    workers: Workers,
    uninterrupted: dict[str, list[tuple[Any, ...]]],
) -> None:
    stopping = workers.start()
    await wait_for(lambda: _past(engine, BATCH), "the worker's first batches")
    stopping.send_signal(signal.SIGTERM)
    assert await workers.exit_code(stopping) == 0, workers.log(stopping)

    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts, job.lease_owner, job.lease_expires_at) == (
        "queued",
        0,
        None,
        None,
    )
    async with engine.connect() as connection:
        (run,) = (await connection.execute(sa.select(ingested_files))).all()
    assert run.status == "running" and BATCH <= run.lines_done < LINES
    assert run.lines_done % BATCH == 0  # whole batches only
    assert f"ingestion {job.id} released" in workers.log(stopping)

    successor = workers.start("--once")
    assert await workers.exit_code(successor) == 0, workers.log(successor)
    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts) == ("succeeded", 1)
    assert await snapshot(engine) == uninterrupted
