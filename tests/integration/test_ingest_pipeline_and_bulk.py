"""Batches written two at a time (PostgreSQL) count and summarise as one batch would; a bulk
load (indexes built after it) refuses a database in use, leaves its indexes in place, and
recovers from a SIGKILL mid-load (a later CLI run or worker job builds what is missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import hotel_summaries, ingested_files
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.writing import repository as repo
from hotelreviews.ingestion.writing.bulk import BulkRefused, start_bulk_load
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.feeds import nested_line, write_mixed_feed
from tests.support.ingest_runs import ingest_command, ingest_environment, kill_when_past
from tests.support.snapshots import snapshot
from tests.support.workers import jobs_by_id, quick_worker_settings


def _second_database(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> Settings:
    """Settings for another fresh database of the same backend."""
    data_dir = tmp_path / "second"
    data_dir.mkdir()
    if settings.database_url is None:
        template = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, data_dir / Path(template).name)
        return settings.model_copy(update={"data_dir": data_dir})
    server = request.getfixturevalue("pg_server")
    url = server.create_database(
        f"second_{os.getpid()}_{uuid.uuid4().hex[:12]}",
        template=request.getfixturevalue("pg_template"),
    )
    return settings.model_copy(update={"data_dir": data_dir, "database_url": SecretStr(url)})


async def _reference(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest, feed: Path, **changes: Any
) -> tuple[Any, list[str]]:
    """What an ordinary ingestion of `feed` (with settings `changes`) leaves in another fresh
    database: its snapshot and its reviews table's index definitions."""
    other = _second_database(settings, tmp_path, request)
    reference = create_engine(other)
    try:
        await ingest_paths(
            engine=reference, settings=other.model_copy(update=changes), paths=[str(feed)]
        )
        return await snapshot(reference), await _definitions(reference)
    finally:
        await reference.dispose()


async def _indexes(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await repo.review_indexes(connection)


def _deferred(engine: AsyncEngine) -> set[str]:
    return set(repo.deferred_indexes(engine.dialect.name))


async def test_an_edit_in_the_batch_after_a_review_is_first_seen_counts_as_an_update(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    # Two lines a batch: on PostgreSQL each batch's look-up runs before the batch before it
    # has committed, so what it replaces comes from that batch, not from the store.
    lines = [
        nested_line(hotel=1, review=1, rating=8.0, text="First."),
        nested_line(hotel=1, review=2, rating=6.0, text="Second."),
        nested_line(hotel=1, review=1, rating=4.0, text="First, edited."),
        nested_line(hotel=1, review=2, rating=6.0, text="Second."),
        nested_line(hotel=1, review=1, rating=2.0, text="First, edited again."),
        nested_line(hotel=1, review=3, rating=10.0, text="Third."),
    ]
    feed = tmp_path / "edits.jl"
    feed.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))

    report = await ingest_paths(
        engine=engine,
        settings=settings.model_copy(update={"ingest_batch_size": 2}),
        paths=[str(feed)],
    )

    [file] = report.files
    assert (file.counts.new, file.counts.updated, file.counts.unchanged) == (3, 2, 1)
    async with engine.connect() as connection:
        summary = (
            await connection.execute(
                sa.select(hotel_summaries.c.review_count, hotel_summaries.c.rating_sum_centi)
            )
        ).one()
    assert tuple(summary) == (3, 200 + 600 + 1000)


async def test_small_batches_in_flight_together_store_what_one_batch_stores(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    feed = tmp_path / "mixed_2025-03-20.jl"
    write_mixed_feed(feed, lines=3_000)
    expected, _ = await _reference(settings, tmp_path, request, feed, ingest_batch_size=100_000)

    await ingest_paths(
        engine=engine,
        settings=settings.model_copy(update={"ingest_batch_size": 37}),
        paths=[str(feed)],
    )

    assert await snapshot(engine) == expected


async def test_a_bulk_load_is_refused_once_the_database_holds_reviews(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "first.jl"
    first.write_bytes(orjson.dumps(nested_line(hotel=1, review=1, rating=8.0, text="A.")))
    await ingest_paths(engine=engine, settings=settings, paths=[str(first)])
    second = tmp_path / "second.jl"
    second.write_bytes(orjson.dumps(nested_line(hotel=1, review=2, rating=8.0, text="B.")))

    with pytest.raises(BulkRefused, match="already holds reviews.*without --bulk"):
        await ingest_paths(engine=engine, settings=settings, paths=[str(second)], bulk=True)

    assert _deferred(engine) <= await _indexes(engine)
    async with engine.connect() as connection:
        runs = (await connection.execute(sa.select(sa.func.count(ingested_files.c.id)))).scalar()
    assert runs == 1


def test_the_ingest_command_refuses_bulk_on_a_database_in_use_with_what_to_do(
    settings: Settings, tmp_path: Path
) -> None:
    feed = tmp_path / "one.jl"
    feed.write_bytes(orjson.dumps(nested_line(hotel=1, review=1, rating=8.0, text="A.")))
    env = ingest_environment(settings, batch=BATCH)
    subprocess.run(ingest_command(feed), env=env, check=True, capture_output=True)

    done = subprocess.run(ingest_command(feed, "--bulk"), env=env, capture_output=True, text=True)

    assert done.returncode == 2
    assert "already holds reviews" in done.stderr
    assert "without --bulk" in done.stderr


async def test_a_bulk_load_stores_what_an_ordinary_one_does_with_its_indexes_built(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    feed = tmp_path / "mixed_2025-03-20.jl"
    write_mixed_feed(feed, lines=2_000)
    expected, expected_definitions = await _reference(settings, tmp_path, request, feed)

    report = await ingest_paths(engine=engine, settings=settings, paths=[str(feed)], bulk=True)

    assert [file.status for file in report.files] == ["ingested"]
    assert await snapshot(engine) == expected
    assert _deferred(engine) <= await _indexes(engine)
    assert await _definitions(engine) == expected_definitions


async def _definitions(engine: AsyncEngine) -> list[str]:
    """How the reviews table's indexes are defined, as the database reports them."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            query = "SELECT indexdef FROM pg_indexes WHERE tablename = 'reviews' ORDER BY 1"
        else:
            query = (
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews'"
                " AND sql IS NOT NULL ORDER BY 1"
            )
        return list((await connection.execute(sa.text(query))).scalars())


BATCH = 100


async def _kill_past(engine: AsyncEngine, command: list[str], env: dict, lines: int) -> bool:
    """Run `command` and SIGKILL it once its committed progress passes `lines`."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        return await kill_when_past(engine, process, lines, stderr=errors)


@pytest.mark.slow
async def test_a_bulk_load_killed_midway_is_resumed_and_then_repaired_by_any_later_run(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    feed = tmp_path / "mixed_2025-03-20.jl"
    write_mixed_feed(feed, lines=6_000)
    expected, _ = await _reference(settings, tmp_path, request, feed)
    env = ingest_environment(settings, batch=BATCH)

    # Killed mid-load: the indexes are missing, which marks the load as interrupted.
    assert await _kill_past(engine, ingest_command(feed, "--bulk"), env, 10 * BATCH + 1)
    assert not _deferred(engine) & await _indexes(engine)
    # A bulk re-run resumes it (the database is not empty, but the load was a bulk one).
    assert await _kill_past(engine, ingest_command(feed, "--bulk"), env, 30 * BATCH + 1)
    assert not _deferred(engine) & await _indexes(engine)
    # An ordinary run builds the missing indexes first, then finishes the file.
    finished = subprocess.run(ingest_command(feed), env=env, capture_output=True, text=True)

    assert finished.returncode == 0, finished.stderr
    assert "resumed after line" in finished.stdout
    assert _deferred(engine) <= await _indexes(engine)
    assert await snapshot(engine) == expected


async def test_a_worker_builds_the_indexes_an_interrupted_bulk_load_left_missing(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    # As a bulk load killed midway leaves the database: its deferred indexes dropped.
    await start_bulk_load(engine)
    assert not _deferred(engine) & await _indexes(engine)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "one.jl").write_bytes(
        orjson.dumps(nested_line(hotel=1, review=1, rating=8.0, text="A.")) + b"\n"
    )

    await Worker(engine=engine, settings=quick_worker_settings(settings, feeds)).run(once=True)

    assert {job.status for job in (await jobs_by_id(engine)).values()} == {"succeeded"}
    assert _deferred(engine) <= await _indexes(engine)
