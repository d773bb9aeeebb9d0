"""Ingesting the sample files gives exactly what tests/data/EXPECTED.md says, on both backends."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import (
    hotel_provider_standings,
    hotel_summaries,
    hotels,
    ingested_files,
    providers,
    rejected_lines,
    reviews,
)
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths


async def _scalar(engine: AsyncEngine, query: sa.Select) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(query)).scalar_one()


async def _count(engine: AsyncEngine, table: sa.Table) -> int:
    return int(await _scalar(engine, sa.select(sa.func.count()).select_from(table)))  # type: ignore[arg-type]


async def test_agoda_sample_stores_nine_reviews_and_the_later_edit_wins(
    engine: AsyncEngine, settings: Settings, samples_dir: Path
) -> None:
    report = await ingest_paths(
        engine=engine, settings=settings, paths=[str(samples_dir / "agoda_com_2025-03-16.jl")]
    )

    [file] = report.files
    assert file.status == "ingested"
    assert file.counts.lines_done == 10
    assert file.counts.new + file.counts.updated == 10
    assert file.counts.rejected == 0
    assert await _count(engine, reviews) == 9
    assert await _count(engine, hotels) == 4
    async with engine.connect() as connection:
        keys = set((await connection.execute(sa.select(providers.c.key, providers.c.name))).all())
        assert {("332", "Agoda"), ("333", "Expedia"), ("334", "Booking.com")} <= keys
        edited = (
            await connection.execute(
                sa.select(reviews.c.rating, reviews.c.text).where(
                    reviews.c.provider_review_id == "70000202"
                )
            )
        ).one()
        assert edited.rating == 6.8
        assert "Update:" in edited.text
        empty = (
            await connection.execute(
                sa.select(reviews.c.text).where(reviews.c.provider_review_id == "70000201")
            )
        ).one()
        assert not empty.text
        languages = set(
            (await connection.execute(sa.select(reviews.c.language).distinct())).scalars()
        )
        assert languages == {"en", "vi", "de"}
        standings_5101 = (
            (
                await connection.execute(
                    sa.select(providers.c.key)
                    .select_from(hotel_provider_standings.join(providers).join(hotels))
                    .where(hotels.c.external_id == "5101")
                )
            )
            .scalars()
            .all()
        )
        assert set(standings_5101) == {"332", "334"}


async def test_group_feed_sample_stores_four_reviews_on_the_five_point_scale(
    engine: AsyncEngine, settings: Settings, samples_dir: Path
) -> None:
    report = await ingest_paths(
        engine=engine, settings=settings, paths=[str(samples_dir / "group_feed_2024-11-06.jsonl")]
    )

    assert report.files[0].counts.new == 4
    assert report.files[0].counts.rejected == 0
    assert await _count(engine, reviews) == 4
    assert await _count(engine, hotels) == 2
    async with engine.connect() as connection:
        string_rated = (
            await connection.execute(
                sa.select(
                    reviews.c.rating,
                    reviews.c.rating_scale,
                    reviews.c.rating_normalized,
                    reviews.c.aspects,
                ).where(reviews.c.provider_review_id == "gh-000102")
            )
        ).one()
    assert (string_rated.rating, string_rated.rating_scale) == (2.0, 5.0)
    assert string_rated.rating_normalized == 4.0
    assert string_rated.aspects == {"value": 3.0}


async def test_broken_lines_sample_keeps_the_one_valid_review_and_names_every_rejection(
    engine: AsyncEngine, settings: Settings, samples_dir: Path
) -> None:
    report = await ingest_paths(
        engine=engine, settings=settings, paths=[str(samples_dir / "broken_lines.jl")]
    )

    counts = report.files[0].counts
    assert (counts.lines_done, counts.blank, counts.new, counts.rejected) == (12, 1, 1, 10)
    assert await _count(engine, reviews) == 1
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                sa.select(
                    rejected_lines.c.line_number,
                    rejected_lines.c.reason,
                    rejected_lines.c.message,
                    rejected_lines.c.excerpt,
                ).order_by(rejected_lines.c.line_number)
            )
        ).all()
        stored = (await connection.execute(sa.select(reviews.c.provider_review_id))).scalar_one()
    assert stored == "80000010"
    assert {row.line_number: row.reason for row in rows} == {
        1: "missing_field",
        2: "missing_field",
        3: "out_of_range",
        4: "invalid_date",
        5: "invalid_json",
        6: "invalid_json",
        8: "not_an_object",
        9: "wrong_type",
        11: "missing_field",
        12: "non_finite_number",
    }
    messages = {row.line_number: row.message for row in rows}
    assert "comment.rating" in messages[1]
    assert "hotelId" in messages[2]
    assert "comment" in messages[11]
    assert all(row.excerpt and len(row.excerpt.encode()) <= 500 for row in rows)


async def test_a_second_ingest_of_the_same_files_changes_nothing_and_says_so(
    engine: AsyncEngine, settings: Settings, samples_dir: Path
) -> None:
    paths = [str(samples_dir)]
    first = await ingest_paths(engine=engine, settings=settings, paths=paths)
    counts_before = {t.name: await _count(engine, t) for t in (reviews, hotels, rejected_lines)}

    second = await ingest_paths(engine=engine, settings=settings, paths=paths)

    assert [f.status for f in first.files] == ["ingested"] * 3
    assert [f.status for f in second.files] == ["skipped"] * 3
    assert all("already ingested" in (f.message or "") for f in second.files)
    assert second.totals.lines_done == 0
    assert {
        t.name: await _count(engine, t) for t in (reviews, hotels, rejected_lines)
    } == counts_before
    assert await _count(engine, ingested_files) == 3


async def test_forcing_a_second_ingest_upserts_and_keeps_row_counts(
    engine: AsyncEngine, settings: Settings, samples_dir: Path
) -> None:
    paths = [str(samples_dir)]
    await ingest_paths(engine=engine, settings=settings, paths=paths)
    before = {t.name: await _count(engine, t) for t in (reviews, hotels, hotel_summaries)}
    async with engine.connect() as connection:
        summaries_before = (
            await connection.execute(
                sa.select(hotel_summaries).order_by(hotel_summaries.c.hotel_id)
            )
        ).all()

    forced = await ingest_paths(engine=engine, settings=settings, paths=paths, force=True)

    assert [f.status for f in forced.files] == ["ingested"] * 3
    assert sum(f.counts.new for f in forced.files) == 0
    # Lines are judged in order: the sample's first version of the edited review counts as an
    # update against the stored later one, and the later line as an update back.
    assert sum(f.counts.unchanged for f in forced.files) == 13
    assert sum(f.counts.updated for f in forced.files) == 2
    assert {t.name: await _count(engine, t) for t in (reviews, hotels, hotel_summaries)} == before
    async with engine.connect() as connection:
        summaries_after = (
            await connection.execute(
                sa.select(hotel_summaries).order_by(hotel_summaries.c.hotel_id)
            )
        ).all()
    assert summaries_after == summaries_before
