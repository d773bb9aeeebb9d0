"""Concurrent writers touching the same reviews: nothing fails, summaries stay exact.

New reviews are COPYed straight into `reviews` (no ON CONFLICT), so a review inserted by
another transaction between a batch's look-up and its COPY raises a unique violation: the
batch must be redone — its look-up now sees the review — and count it correctly. And two
writers editing one stored review must each compute their summary change from the version
they actually replace. PostgreSQL only: SQLite lets one writer in at a time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import hotel_summaries, hotels, providers, reviews
from hotelreviews.core.clock import utcnow
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.shapes.parsing import parse_line
from hotelreviews.ingestion.writing import repository as repo
from hotelreviews.ingestion.writing.rows import review_row
from hotelreviews.ingestion.writing.service import ingest_file, ingest_paths
from hotelreviews.ingestion.writing.writer import KnownIds
from tests.support.feeds import nested_line
from tests.support.locks import wait_for_lock_waits


def _write(path: Path, *lines: dict) -> Path:
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


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
        await wait_for_lock_waits(engine)
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


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_two_writers_editing_one_review_keep_the_summary_exact(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    def version(rating: float, text: str) -> dict:
        return nested_line(hotel=1, review=7, rating=rating, text=text)

    # One cache of known providers and hotels for all three, as batches after a worker's
    # first have: the hotel is not upserted again, so its row lock doesn't serialize them.
    known = KnownIds()

    async def ingest(name: str, line: dict) -> asyncio.Task:
        path = _write(tmp_path / name, line)
        return asyncio.create_task(
            ingest_file(engine=engine, settings=settings, path=str(path), known=known)
        )

    await (await ingest("original.jl", version(8.0, "Original.")))
    async with engine.connect() as gate:
        # Hold the hotel's summary row: the first editor stops right before its summary
        # change, holding the review it rewrote; the second must wait for that review.
        transaction = await gate.begin()
        await gate.execute(
            sa.select(hotel_summaries.c.hotel_id)
            .with_for_update()
            .where(hotel_summaries.c.hotel_id == 1)
        )
        first = await ingest("first-edit.jl", version(6.0, "First edit."))
        await wait_for_lock_waits(engine, count=1)
        second = await ingest("second-edit.jl", version(4.0, "Second edit."))
        await wait_for_lock_waits(engine, count=2)
        await transaction.commit()
        reports = [await first, await second]

    assert [report.status for report in reports] == ["ingested"] * 2
    async with engine.connect() as connection:
        stored = (await connection.execute(sa.select(reviews.c.rating_normalized))).scalars().all()
        summary = (
            await connection.execute(
                sa.select(hotel_summaries.c.review_count, hotel_summaries.c.rating_sum_centi)
            )
        ).one()
    assert stored == [4.0]
    assert tuple(summary) == (1, 400)
