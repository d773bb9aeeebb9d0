"""Two writers adding the same new review: the later one redoes its batch instead of failing.

New reviews are COPYed straight into `reviews` (no ON CONFLICT), so a review inserted by
another transaction between a batch's look-up and its COPY raises a unique violation. The
batch must then be redone — its look-up now sees the review — and count it correctly.
PostgreSQL only: SQLite lets one writer in at a time, so the race cannot happen there.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.clock import utcnow
from hotelreviews.core.schema import hotels, providers, reviews
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion import repository as repo
from hotelreviews.ingestion.parsing import parse_line
from hotelreviews.ingestion.rows import review_row
from hotelreviews.ingestion.service import ingest_paths
from tests.support.feeds import nested_line


def _write(path: Path, *lines: dict) -> Path:
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


async def _wait_for_lock_wait(engine: AsyncEngine) -> None:
    """Until some backend of this database waits on a lock (the ingest's blocked COPY)."""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with engine.connect() as connection:
            if (await connection.execute(query)).scalar_one():
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the ingest never blocked on the other writer's insert")


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_review_inserted_meanwhile_is_counted_once_not_an_error(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    first = nested_line(hotel=1, review=1, rating=8.0, text="First.")
    contested = nested_line(hotel=1, review=2, rating=6.0, text="Written by both.")
    # The first file creates the provider, the hotel and a run for the other writer's row.
    await ingest_paths(
        engine=engine, settings=settings, paths=[str(_write(tmp_path / "a.jl", first))]
    )

    async with engine.connect() as other_writer:
        transaction = await other_writer.begin()
        provider_id = (await other_writer.execute(sa.select(providers.c.id))).scalar_one()
        hotel_id = (await other_writer.execute(sa.select(hotels.c.id))).scalar_one()
        review = parse_line(orjson.dumps(contested))
        row = review_row(
            key=(provider_id, review.provider_review_id),
            review=review,
            hotel_id=hotel_id,
            run_id=1,
            now=utcnow(),
        )
        await repo.write_reviews(other_writer, new_rows=[row], changed_rows=[])

        ingest = asyncio.create_task(
            ingest_paths(
                engine=engine,
                settings=settings,
                paths=[str(_write(tmp_path / "b.jl", contested))],
            )
        )
        await _wait_for_lock_wait(engine)
        await transaction.commit()
        report = await ingest

    (file_report,) = report.files
    assert file_report.status == "ingested", file_report.message
    assert (file_report.counts.new, file_report.counts.unchanged) == (0, 1)
    async with engine.connect() as connection:
        stored = (
            await connection.execute(
                sa.select(sa.func.count()).where(reviews.c.provider_review_id == "2")
            )
        ).scalar_one()
    assert stored == 1
