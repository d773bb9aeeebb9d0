"""The ingestion worker follows a re-pointed writer without a restart (`dr rds` moves the
writer's address in the writer endpoint store; the worker re-reads it).

Two real PostgreSQL servers stand for the old and the new RDS writer, moto's server (over
HTTP on 127.0.0.1) for the store, with each of its backends. The worker runs as
`hotelreviews worker`, one process for the whole test.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hotelreviews.app.schema import ingested_files, ingestion_jobs, reviews
from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings
from hotelreviews.dr.rds import writer_store
from hotelreviews.dr.rds.writer_follow import endpoint_of
from hotelreviews.ingestion.queue.service import poll_sources
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.writing.service import ingest_file
from hotelreviews.routing import DatabaseRouter
from hotelreviews.routing.router import build_primary
from tests.support.aws_server import AwsServer, aws_server_fixture  # noqa: F401
from tests.support.feeds import nested_line
from tests.support.pg_server import PostgresServer
from tests.support.processes import stop_process
from tests.support.workers import (
    quick_worker_settings,
    wait_for,
    worker_command,
    worker_environment,
)
from tests.support.writer_stores import (  # noqa: F401
    second_pg_server_fixture,
    store_fixture,
    store_settings,
)

PRIMARY, EUROPE = "us-east-1", "eu-west-1"


def deliver(folder: Path, name: str, *, hotel: int, count: int) -> None:
    """A feed of `count` reviews of one hotel, renamed into the folder whole."""
    lines = [
        nested_line(hotel=hotel, review=review, rating=8.0, text=f"Review {review}.")
        for review in range(1, count + 1)
    ]
    staging = folder.parent / f".{name}.part"
    staging.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    os.replace(staging, folder / name)


async def scalar(engine: AsyncEngine, query: sa.Select[Any]) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(query)).scalar_one()


def exited(worker: subprocess.Popen[bytes], log: Path) -> str | None:
    """The log of a worker process that has exited; None while it runs."""
    return None if worker.poll() is None else log.read_text()


async def while_running(
    worker: subprocess.Popen[bytes], log: Path, answer: Callable[[], Awaitable[Any]]
) -> Any:
    """`answer()`, unless the worker process has exited (its log says why)."""
    why = exited(worker, log)
    assert why is None, f"the worker exited:\n{why}"
    return await answer()


async def until_a_job_succeeded(
    worker: subprocess.Popen[bytes], log: Path, engine: AsyncEngine, what: str
) -> None:
    """Wait until `engine`'s database records a succeeded job, failing (with the worker's
    log) if the worker process exits first."""
    await wait_for(
        lambda: while_running(worker, log, lambda: scalar(engine, succeeded_jobs())), what
    )


def stored_reviews() -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(reviews)


def all_jobs() -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(ingestion_jobs)


def succeeded_jobs() -> sa.Select[Any]:
    return (
        sa.select(sa.func.count())
        .select_from(ingestion_jobs)
        .where(ingestion_jobs.c.status == "succeeded")
    )


def start_following_worker(
    aws_server: AwsServer, store: str, *, configured: str, stored: str, feeds: Path, log: Path
) -> tuple[Settings, subprocess.Popen[bytes]]:
    """A `hotelreviews worker` process in eu-west-1 polling `feeds`, configured with the
    writer `configured`, while the writer store (SSM or Secrets Manager, in moto) names
    `stored`; it follows the store every 0.1 s. Returns the settings it shares with the
    test (to re-point the store) and the process, logging to `log`."""
    identifier = f"hr-{uuid.uuid4().hex[:10]}"
    feeds.mkdir()
    settings = Settings(
        environment="test",
        data_dir=feeds.parent,
        database_url=configured,
        region=EUROPE,
        aws_endpoint_url=aws_server.endpoint_url,
        rds_regions=[PRIMARY, EUROPE],
        **store_settings(store, identifier),
    )
    writer_store.write(EUROPE, endpoint_of(stored), settings=settings)
    env = worker_environment(
        settings,
        environment="test",
        region=EUROPE,
        aws_endpoint_url=aws_server.endpoint_url,
        rds_regions=f"{PRIMARY},{EUROPE}",
        writer_endpoint_poll_seconds=0.1,
        worker_sources=feeds,
        **store_settings(store, identifier),
    )
    with log.open("wb") as stderr:
        worker = subprocess.Popen(
            worker_command(), env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
    return settings, worker


@pytest.fixture(name="writers")
async def writers_fixture(
    pg_server: PostgresServer, pg_template: str, second_pg_server: PostgresServer
) -> AsyncIterator[tuple[str, str, str]]:
    """The old writer's URL (a migrated database on one server), the new one's (the same
    name on another server, migrated), and that name."""
    name = f"wfollow_{uuid.uuid4().hex[:10]}"
    old_writer = pg_server.create_database(name, template=pg_template)
    new_writer = second_pg_server.create_database(name)
    # Alembic runs its own event loop: in a thread.
    await asyncio.to_thread(
        migrations.upgrade, Settings(environment="test", database_url=new_writer)
    )
    try:
        yield old_writer, new_writer, name
    finally:
        pg_server.drop_database(name)
        second_pg_server.drop_database(name)


async def test_the_worker_follows_a_repointed_writer_without_restart(
    aws_server: AwsServer,
    pg_server: PostgresServer,
    writers: tuple[str, str, str],
    store: str,
    tmp_path: Path,
) -> None:
    old_writer, new_writer, name = writers
    feeds, log = tmp_path / "feeds", tmp_path / "worker.log"
    settings, worker = start_following_worker(
        aws_server, store, configured=old_writer, stored=old_writer, feeds=feeds, log=log
    )
    old = create_async_engine(old_writer)
    new = create_async_engine(new_writer)
    try:
        # Working on the old writer first.
        deliver(feeds, "before.jl", hotel=1, count=3)
        await until_a_job_succeeded(worker, log, old, "the first file on the old writer")
        assert await scalar(old, stored_reviews()) == 3
        (feeds / "before.jl").unlink()  # consumed (the new writer has never seen it)
        await old.dispose()

        # The writer moves; the old one's database goes away: nothing may still need it.
        await asyncio.to_thread(
            writer_store.write, EUROPE, endpoint_of(new_writer), settings=settings
        )
        await asyncio.to_thread(pg_server.drop_database, name)
        deliver(feeds, "after.jl", hotel=2, count=4)

        await until_a_job_succeeded(worker, log, new, "the second file on the new writer")
        assert await scalar(new, stored_reviews()) == 4
        sources = await scalar(new, sa.select(sa.func.array_agg(ingested_files.c.source_uri)))
        assert [Path(uri).name for uri in sources] == ["after.jl"]
        assert worker.poll() is None, log.read_text()  # the same process all along
        assert f"the primary is now {endpoint_of(new_writer)}" in log.read_text()
    finally:
        stop_process(worker)
        await old.dispose()
        await new.dispose()


async def test_a_worker_started_after_the_move_opens_the_writer_the_store_names(
    aws_server: AwsServer,
    pg_server: PostgresServer,
    writers: tuple[str, str, str],
    store: str,
    tmp_path: Path,
) -> None:
    """Its configured URL still names the old writer, whose database is gone (a pod
    rescheduled after `dr rds promote`): it starts on the new one instead of failing."""
    old_writer, new_writer, name = writers
    pg_server.drop_database(name)
    feeds, log = tmp_path / "feeds", tmp_path / "worker.log"
    _, worker = start_following_worker(
        aws_server, store, configured=old_writer, stored=new_writer, feeds=feeds, log=log
    )
    new = create_async_engine(new_writer)
    try:
        deliver(feeds, "feed.jl", hotel=3, count=2)
        await until_a_job_succeeded(worker, log, new, "the file on the new writer")
        assert await scalar(new, stored_reviews()) == 2
        assert worker.poll() is None, log.read_text()
    finally:
        stop_process(worker)
        await new.dispose()


async def test_a_job_running_when_the_writer_moves_finishes_on_the_old_one(
    writers: tuple[str, str, str], tmp_path: Path
) -> None:
    """Its batches and its outcome stay together on the writer it was claimed on; the
    worker's next claim goes to the new writer."""
    old_writer, new_writer, _ = writers
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    settings = quick_worker_settings(
        Settings(environment="test", data_dir=tmp_path, database_url=old_writer), feeds
    )
    router = DatabaseRouter(primary=build_primary(settings, old_writer, time_limited_reads=False))

    async def ingest_while_the_writer_moves(**arguments: Any) -> Any:
        if router.primary.name.startswith(endpoint_of(old_writer)):
            await router.replace_primary(
                build_primary(settings, new_writer, time_limited_reads=False)
            )
        return await ingest_file(**arguments)

    worker = Worker(
        writer=lambda: router.primary.engine,
        settings=settings,
        ingest=ingest_while_the_writer_moves,
    )
    old = create_async_engine(old_writer)
    new = create_async_engine(new_writer)
    try:
        deliver(feeds, "running.jl", hotel=1, count=3)
        await poll_sources(engine=old, settings=settings)
        await worker.run(once=True)  # claims on the old writer, which moves meanwhile

        assert await scalar(old, succeeded_jobs()) == 1
        assert await scalar(old, stored_reviews()) == 3
        assert await scalar(new, all_jobs()) == 0

        (feeds / "running.jl").unlink()
        deliver(feeds, "next.jl", hotel=2, count=2)
        await worker.run(once=True)  # polls and claims on the new writer

        assert await scalar(new, succeeded_jobs()) == 1
        assert await scalar(new, stored_reviews()) == 2
        assert await scalar(old, all_jobs()) == 1
    finally:
        await router.dispose()
        await old.dispose()
        await new.dispose()
