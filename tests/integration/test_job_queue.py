"""The ingestion queue on real databases: polling, claiming under a lease, fencing, outcomes.

The worker runs in this process here (subprocess tests with signals are in
test_worker_processes.py); everything it touches is real: the database, the files, the
ingestion, and an http server for transient failures.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files, ingestion_jobs, reviews
from hotelreviews.core import migrations
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue import repository as repo
from hotelreviews.ingestion.queue.lease import JobLease, LeaseLost
from hotelreviews.ingestion.queue.service import poll_sources
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.writing.service import ingest_file
from tests.support.feeds import nested_line, write_mixed_feed
from tests.support.http_server import allowing_loopback
from tests.support.workers import jobs_by_id, quick_worker_settings, wait_for


def write_feed(path: Path, *, hotel: int, reviews: range) -> Path:
    lines = [nested_line(hotel=hotel, review=r, rating=8.0, text=f"Review {r}.") for r in reviews]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def copy_samples(samples_dir: Path, folder: Path, *names: str, as_name: str | None = None) -> None:
    for sample in samples_dir.iterdir():
        if sample.name.endswith((".jl", ".jsonl")) and (not names or sample.name in names):
            (folder / (as_name or sample.name)).write_bytes(sample.read_bytes())


async def claim(engine: AsyncEngine, owner: str, lease_seconds: float = 30.0) -> Any:
    async with write_transaction(engine) as connection:
        return await repo.claim_due_job(connection, owner=owner, lease_seconds=lease_seconds)


async def ingestion_rows(engine: AsyncEngine) -> dict[int, Any]:
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(ingested_files))).all()
    return {row.id: row for row in rows}


async def review_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(sa.select(sa.func.count()).select_from(reviews))).scalar()


class Crash(Exception):
    """A process dying at this point: nothing after it runs."""


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    return folder


async def test_a_poll_queues_each_version_of_each_file_once(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    worker_settings = quick_worker_settings(settings, feeds)
    first = write_feed(feeds / "a.jl", hotel=1, reviews=range(1, 4))
    other = write_feed(feeds / "nested" / "b.jsonl", hotel=2, reviews=range(1, 3))
    (feeds / "notes.txt").write_text("not a review file")
    sizes = [first.stat().st_size, other.stat().st_size]

    assert await poll_sources(engine=engine, settings=worker_settings) == 2
    assert await poll_sources(engine=engine, settings=worker_settings) == 0
    write_feed(first, hotel=1, reviews=range(1, 6))  # a new version: another size
    os.utime(first, ns=(1, 1))  # and an old mtime, so it has settled
    sizes.append(first.stat().st_size)
    assert await poll_sources(engine=engine, settings=worker_settings) == 1
    assert await poll_sources(engine=engine, settings=worker_settings) == 0

    jobs = await jobs_by_id(engine)
    names = [Path(jobs[job_id].source_uri).name for job_id in sorted(jobs)]
    assert names == ["a.jl", "b.jsonl", "a.jl"]
    assert [jobs[job_id].bytes_total for job_id in sorted(jobs)] == sizes
    assert {job.status for job in jobs.values()} == {"queued"}
    # Each job reserved its ingestion: one id space for the API.
    files = await ingestion_rows(engine)
    assert set(files) == set(jobs)
    assert {row.status for row in files.values()} == {"queued"}


async def test_a_file_still_being_written_waits_for_a_later_poll(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    write_feed(feeds / "a.jl", hotel=1, reviews=range(1, 4))
    patient = quick_worker_settings(settings, feeds, worker_settle_seconds=3600.0)
    assert await poll_sources(engine=engine, settings=patient) == 0
    assert await poll_sources(engine=engine, settings=quick_worker_settings(settings, feeds)) == 1


async def test_jobs_are_taken_oldest_first_and_a_held_one_only_after_its_lease_expires(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    for name in ("a.jl", "b.jl"):
        write_feed(feeds / name, hotel=1, reviews=range(1, 3))
    await poll_sources(engine=engine, settings=quick_worker_settings(settings, feeds))

    first = await claim(engine, "worker-1", lease_seconds=0.5)
    second = await claim(engine, "worker-2", lease_seconds=60.0)
    assert first.id < second.id
    assert (first.status, first.attempts, first.lease_owner) == ("running", 1, "worker-1")
    assert await claim(engine, "worker-3") is None

    # worker-1 falls silent: once its lease expires, worker-3 takes the job over.
    taken = await wait_for(lambda: claim(engine, "worker-3"), "the expired lease")
    assert (taken.id, taken.attempts, taken.lease_owner) == (first.id, 2, "worker-3")
    async with write_transaction(engine) as connection:
        # worker-1's writes no longer count.
        assert not await repo.renew_lease(
            connection, job_id=first.id, owner="worker-1", lease_seconds=30.0
        )
        assert await repo.renew_lease(
            connection, job_id=first.id, owner="worker-3", lease_seconds=30.0
        )


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_concurrent_claims_hand_each_job_to_exactly_one_worker(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    for number in range(40):
        write_feed(feeds / f"f{number:02d}.jl", hotel=number, reviews=range(1, 2))
    await poll_sources(engine=engine, settings=quick_worker_settings(settings, feeds))

    async def drain(owner: str) -> list[int]:
        taken = []
        while (job := await claim(engine, owner)) is not None:
            taken.append(job.id)
        return taken

    results = await asyncio.gather(*(drain(f"worker-{n}") for n in range(8)))
    claimed = [job_id for taken in results for job_id in taken]
    assert sorted(claimed) == sorted(await jobs_by_id(engine))
    assert len(set(claimed)) == 40
    assert sum(1 for taken in results if taken) > 1  # they really worked side by side


# On SQLite the other worker's write would wait for the batch's write lock: the same case
# runs there between processes (test_worker_processes.py, a worker paused with SIGSTOP).
@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_worker_that_lost_its_lease_commits_no_further_batch(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    feed = write_feed(feeds / "big.jl", hotel=1, reviews=range(1, 1501))  # three batches
    await poll_sources(engine=engine, settings=quick_worker_settings(settings, feeds))
    job = await claim(engine, "worker-1", lease_seconds=60.0)
    lease = JobLease(
        engine=engine,
        job_id=job.id,
        owner="worker-1",
        lease_seconds=60.0,
        heartbeat_seconds=30.0,
        stopping=asyncio.Event(),
    )
    batches = 0

    async def fence_then_lose_the_job(connection: Any, run_id: int, batch: Any) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:  # meanwhile another worker takes the job over
            async with write_transaction(engine) as other:
                await other.execute(
                    sa.update(ingestion_jobs)
                    .where(ingestion_jobs.c.id == job.id)
                    .values(lease_owner="worker-2")
                )
        await lease.fence(connection, run_id, batch)

    with pytest.raises(LeaseLost):
        await ingest_file(
            engine=engine,
            settings=settings,
            path=str(feed),
            reserved_run_id=job.id,
            in_batch=fence_then_lose_the_job,
        )

    run = (await ingestion_rows(engine))[job.id]
    assert (run.status, run.lines_done) == ("running", 500)  # only the first batch
    assert await review_count(engine) == 500
    assert (await jobs_by_id(engine))[job.id].lines_done == 500


async def test_a_worker_runs_every_queued_file_and_records_the_outcome(
    engine: AsyncEngine, settings: Settings, feeds: Path, samples_dir: Path
) -> None:
    copy_samples(samples_dir, feeds)
    copy_samples(samples_dir, feeds, "agoda_com_2025-03-16.jl", as_name="copy_of_agoda.jl")

    worker = Worker(engine=engine, settings=quick_worker_settings(settings, feeds), name="w1")
    await worker.run(once=True)

    jobs = await jobs_by_id(engine)
    files = await ingestion_rows(engine)
    by_name = {Path(job.source_uri).name: job for job in jobs.values()}
    assert {job.status for job in jobs.values()} == {"succeeded"}
    assert {job.attempts for job in jobs.values()} == {1}
    assert {job.lease_owner for job in jobs.values()} == {"w1"}
    # The copy has the content of the agoda file: whichever came second was skipped.
    agoda, copy = by_name["agoda_com_2025-03-16.jl"], by_name["copy_of_agoda.jl"]
    first, second = sorted((agoda, copy), key=lambda job: job.id)
    assert (files[first.id].status, first.run_id) == ("succeeded", first.id)
    assert (files[second.id].status, second.run_id) == ("skipped", first.id)
    broken = by_name["broken_lines.jl"]
    assert (files[broken.id].lines_rejected, broken.lines_done) == (10, 12)
    assert broken.bytes_done == files[broken.id].size_bytes
    assert await review_count(engine) == 14


async def test_an_unreadable_file_is_dead_at_once_with_its_error(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    (feeds / "binary.jl").write_bytes(b"\x00\x01\x02 not text" * 100)
    worker = Worker(engine=engine, settings=quick_worker_settings(settings, feeds))
    await worker.run(once=True)

    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts) == ("dead", 1)
    assert "binary.jl" in job.last_error and "text" in job.last_error
    run = (await ingestion_rows(engine))[job.id]
    assert (run.status, run.error) == ("failed", job.last_error)


class FlakyServer:
    """An http server whose first `failures` answers are 503s, then the feed."""

    def __init__(self, body: bytes, failures: int) -> None:
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                owner.requests += 1
                if owner.requests <= failures:
                    self.send_error(503, "Service Unavailable")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", '"v1"')
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/feed_2025-03-16.jl"

    def __enter__(self) -> FlakyServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed_body(tmp_path: Path) -> bytes:
    return write_feed(tmp_path / "body.jl", hotel=3, reviews=range(1, 11)).read_bytes()


async def queue(engine: AsyncEngine, uri: str, max_attempts: int) -> int:
    # Through the repository: the API accepts https only, and this server speaks plain http.
    async with write_transaction(engine) as connection:
        return await repo.insert_job(
            connection,
            source_uri=uri,
            shown_uri=uri,
            display_name=uri,
            source_identity=None,
            bytes_total=None,
            max_attempts=max_attempts,
        )


@pytest.fixture
def flaky_server(request: pytest.FixtureRequest, feed_body: bytes) -> Iterator[FlakyServer]:
    with FlakyServer(feed_body, failures=request.param) as server:
        yield server


@pytest.mark.parametrize("flaky_server", [1_000_000], indirect=True)
async def test_a_source_that_keeps_failing_is_retried_then_dead_with_its_error(
    engine: AsyncEngine, settings: Settings, flaky_server: FlakyServer
) -> None:
    job_id = await queue(engine, flaky_server.url, max_attempts=3)
    worker_settings = quick_worker_settings(allowing_loopback(settings))
    worker = Worker(engine=engine, settings=worker_settings, name="w1")

    await worker.process(await claim(engine, "w1"))
    job = (await jobs_by_id(engine))[job_id]
    assert (job.status, job.attempts, job.lease_owner, job.lease_expires_at) == (
        "retrying",
        1,
        None,
        None,
    )
    assert "HTTP 503" in job.last_error
    assert job.next_attempt_at > job.created_at

    await worker.run(once=True)
    job = (await jobs_by_id(engine))[job_id]
    assert (job.status, job.attempts) == ("dead", 3)
    assert "HTTP 503" in job.last_error and "try again later" in job.last_error
    assert flaky_server.requests == 3
    assert (await ingestion_rows(engine))[job_id].status == "failed"


@pytest.mark.parametrize("flaky_server", [2], indirect=True)
async def test_a_source_that_recovers_is_ingested_on_a_later_attempt(
    engine: AsyncEngine, settings: Settings, flaky_server: FlakyServer
) -> None:
    job_id = await queue(engine, flaky_server.url, max_attempts=5)
    worker_settings = quick_worker_settings(allowing_loopback(settings))
    await Worker(engine=engine, settings=worker_settings).run(once=True)

    job = (await jobs_by_id(engine))[job_id]
    assert (job.status, job.attempts, job.run_id) == ("succeeded", 3, job_id)
    assert "HTTP 503" in job.last_error  # kept: what the earlier attempts met
    assert await review_count(engine) == 10


async def test_a_job_resumes_an_interrupted_run_of_the_same_content(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    feed = feeds / "mixed.jl"
    write_mixed_feed(feed, lines=1200)

    async def crash_in_the_second_batch(connection: Any, run_id: int, batch: Any) -> None:
        if batch.last_line > 500:
            raise Crash  # as `hotelreviews ingest` killed after its first batch

    with pytest.raises(Crash):
        await ingest_file(
            engine=engine, settings=settings, path=str(feed), in_batch=crash_in_the_second_batch
        )
    (interrupted,) = (await ingestion_rows(engine)).values()
    assert (interrupted.status, interrupted.lines_done) == ("running", 500)

    await Worker(engine=engine, settings=quick_worker_settings(settings, feeds)).run(once=True)

    (job,) = (await jobs_by_id(engine)).values()
    files = await ingestion_rows(engine)
    assert (job.status, job.run_id) == ("succeeded", interrupted.id)
    assert (files[interrupted.id].status, files[interrupted.id].lines_done) == ("succeeded", 1200)


async def test_a_job_waits_while_another_job_reads_the_same_content(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    feed = write_feed(feeds / "a.jl", hotel=1, reviews=range(1, 1001))
    worker_settings = quick_worker_settings(settings, feeds)
    await poll_sources(engine=engine, settings=worker_settings)
    (first,) = (await jobs_by_id(engine)).values()
    # Another version of the same content queued as a second job.
    second = await queue(engine, (feeds / "a.jl").as_uri(), max_attempts=5)

    async def stop_after_the_first_batch(connection: Any, run_id: int, batch: Any) -> None:
        if batch.last_line > 500:
            raise Crash

    held = await claim(engine, "worker-1", lease_seconds=60.0)
    assert held.id == first.id
    with pytest.raises(Crash):
        await ingest_file(
            engine=engine,
            settings=settings,
            path=str(feed),
            reserved_run_id=first.id,
            in_batch=stop_after_the_first_batch,
        )

    worker = Worker(engine=engine, settings=worker_settings, name="worker-2")
    await worker.process(await claim(engine, "worker-2"))

    job = (await jobs_by_id(engine))[second]
    assert (job.status, job.attempts, job.lease_owner) == ("queued", 0, None)
    assert job.last_error == f"waiting: ingestion {first.id} is reading the same content"
    assert (await ingestion_rows(engine))[first.id].lines_done == 500


async def test_migration_0003_downgrades_and_upgrades_with_queued_jobs(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    write_feed(feeds / "a.jl", hotel=1, reviews=range(1, 3))
    await poll_sources(engine=engine, settings=quick_worker_settings(settings, feeds))
    await engine.dispose()

    await asyncio.to_thread(migrations.downgrade, settings, "0002")
    async with engine.connect() as connection:  # only columns 0002 had
        reserved = (await connection.execute(sa.select(ingested_files.c.id))).all()
    assert reserved == []  # the reservation went with its job
    await asyncio.to_thread(migrations.upgrade, settings)
    assert await jobs_by_id(engine) == {}


async def test_a_job_whose_workers_keep_dying_is_dead_after_its_attempts(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    # A file that kills every worker reading it (out of memory, say) must not go round forever.
    write_feed(feeds / "a.jl", hotel=1, reviews=range(1, 3))
    worker_settings = quick_worker_settings(settings, feeds, worker_max_attempts=2)
    await poll_sources(engine=engine, settings=worker_settings)
    for attempt in (1, 2):  # each worker takes it and dies: its lease runs out
        taken = await wait_for(lambda: claim(engine, "doomed", lease_seconds=0.1), "the job")
        assert taken.attempts == attempt

    third = await wait_for(lambda: claim(engine, "worker-3"), "the expired lease")
    await Worker(engine=engine, settings=worker_settings, name="worker-3").process(third)

    job = (await jobs_by_id(engine))[third.id]
    assert (job.status, job.attempts, job.lease_owner) == ("dead", 3, "worker-3")
    assert job.last_error == "every attempt ended with its worker gone"
    assert (await ingestion_rows(engine))[job.id].status == "failed"
    assert await review_count(engine) == 0
