"""Finding 5 of issue 12: unbounded work per source (the local half; remote reads: h1's).

One source may cost a bounded amount: rejected lines are stored with their excerpts up to
a cap (the rest only counted, also across a resumed run); its bytes, as stored and
uncompressed, and its wall time are capped, and a source over a cap ends for good with a
reason naming the cap and its setting, every batch committed before it kept exactly.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files, rejected_lines, reviews
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.writing.service import ingest_file
from tests.support.feeds import nested_line
from tests.support.workers import jobs_by_id, quick_worker_settings

BAD_LINES = 200_000


class Crash(Exception):
    """A process dying at this point: nothing after it runs."""


def feed_bytes(*, hotel: int, reviews: range) -> bytes:
    return b"".join(
        orjson.dumps(nested_line(hotel=hotel, review=r, rating=8.0, text=f"Review {r}.")) + b"\n"
        for r in reviews
    )


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    return folder


async def run_of(engine: AsyncEngine, run_id: int) -> Any:
    async with engine.connect() as connection:
        query = sa.select(ingested_files).where(ingested_files.c.id == run_id)
        return (await connection.execute(query)).one()


async def stored_line_numbers(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        query = sa.select(rejected_lines.c.line_number).order_by(rejected_lines.c.line_number)
        return list((await connection.execute(query)).scalars())


async def review_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(sa.select(sa.func.count()).select_from(reviews))).scalar()


def assert_counts_match_rows(run: Any, reviews_stored: int) -> None:
    """The run's committed counts are exactly what its committed batches wrote."""
    assert run.reviews_new == reviews_stored
    assert (
        run.reviews_new
        + run.reviews_updated
        + run.reviews_unchanged
        + run.lines_rejected
        + run.lines_blank
        == run.lines_done
    )


async def test_a_file_of_200000_bad_lines_stores_at_most_n_rejected_rows_and_counts_them_all(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    feed = feeds / "junk.jl"
    feed.write_bytes(b"x\n" * BAD_LINES)  # 400 KB
    settings = settings.model_copy(update={"ingest_batch_size": 20_000})

    report = await ingest_file(engine=engine, settings=settings, path=str(feed))

    assert report.status == "ingested"
    assert (report.counts.lines_done, report.counts.rejected) == (BAD_LINES, BAD_LINES)
    assert report.counts.rejected_by_reason == {"invalid_json": BAD_LINES}
    run = await run_of(engine, report.run_id)
    assert (run.lines_rejected, run.rejected_by_reason) == (BAD_LINES, {"invalid_json": BAD_LINES})
    # The first ones, as many as HOTELREVIEWS_SOURCE_MAX_STORED_REJECTIONS (1,000 by default).
    assert await stored_line_numbers(engine) == list(range(1, 1001))


async def test_the_cap_on_stored_rejected_lines_holds_across_a_resumed_run(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    feed = feeds / "junk.jl"
    feed.write_bytes(b"x\n" * 2000)
    capped = settings.model_copy(
        update={"ingest_batch_size": 500, "source_max_stored_rejections": 700}
    )

    async def crash_in_the_third_batch(connection: Any, run_id: int, batch: Any) -> None:
        if batch.last_line > 1000:
            raise Crash  # as `hotelreviews ingest` killed after two batches

    with pytest.raises(Crash):
        await ingest_file(
            engine=engine, settings=capped, path=str(feed), in_batch=crash_in_the_third_batch
        )
    assert await stored_line_numbers(engine) == list(range(1, 701))

    report = await ingest_file(engine=engine, settings=capped, path=str(feed))

    assert (report.status, report.resumed_after_line) == ("ingested", 1000)
    assert (report.counts.rejected, report.counts.rejected_by_reason) == (
        2000,
        {"invalid_json": 2000},
    )
    assert await stored_line_numbers(engine) == list(range(1, 701))


async def test_a_file_over_the_byte_cap_is_refused_for_good_before_it_is_read(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    feed = feeds / "big.jl"
    feed.write_bytes(feed_bytes(hotel=1, reviews=range(1, 101)))
    size = feed.stat().st_size
    worker_settings = quick_worker_settings(settings, feeds, source_max_bytes=4096)

    await Worker(engine=engine, settings=worker_settings).run(once=True)

    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts) == ("dead", 1)  # permanent: not retried
    assert job.last_error == (
        f"{feed}: refused: {size:,} bytes is more than a source may hold"
        " (4,096 bytes, HOTELREVIEWS_SOURCE_MAX_BYTES)"
    )
    assert await review_count(engine) == 0


async def test_a_gzip_bomb_ends_at_the_byte_cap_with_its_committed_batches_exact(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    good = feed_bytes(hotel=1, reviews=range(1, 1201))  # 1,200 lines: batches of 500, 500, 200
    bomb = b"x" * (64 * 1024 * 1024)  # one line of 64 MiB, a few dozen KB compressed
    feed = feeds / "bomb.jl.gz"
    feed.write_bytes(gzip.compress(good + bomb, compresslevel=9))
    cap = 4 * 1024 * 1024
    assert feed.stat().st_size < cap < len(good) + len(bomb)
    worker_settings = quick_worker_settings(settings, feeds, source_max_bytes=cap)

    await Worker(engine=engine, settings=worker_settings).run(once=True)

    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts) == ("dead", 1)
    run = await run_of(engine, job.id)
    assert run.status == "failed"
    # The two full batches before the bomb committed; the batch it was read into did not.
    assert run.lines_done == 1000
    assert_counts_match_rows(run, await review_count(engine))
    assert run.error.startswith(f"{feed}: stopped after ")
    assert run.error.endswith(
        f" uncompressed bytes: a source may hold at most {cap:,} bytes, as stored and"
        " uncompressed (HOTELREVIEWS_SOURCE_MAX_BYTES); lines 1 to 1,000 are ingested,"
        " the rest is not"
    )
    assert job.last_error == run.error


async def test_a_source_over_the_time_cap_ends_with_the_reason_and_keeps_what_it_committed(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    feed = feeds / "slow.jl"
    feed.write_bytes(feed_bytes(hotel=1, reviews=range(1, 51)))
    # Over as soon as it is checked: the time it took to open the file is already longer.
    worker_settings = quick_worker_settings(settings, feeds, source_max_seconds=1e-6)

    await Worker(engine=engine, settings=worker_settings).run(once=True)

    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts) == ("dead", 1)
    run = await run_of(engine, job.id)
    assert run.status == "failed"
    assert run.error.startswith(f"{feed}: stopped after ")
    assert run.error.endswith(
        " s: a source may take at most 1e-06 s (HOTELREVIEWS_SOURCE_MAX_SECONDS);"
        " nothing of it was ingested"
    )
    assert run.lines_done == 0
    assert_counts_match_rows(run, await review_count(engine))
