"""Ingestion metrics follow what the sample files do (tests/data/EXPECTED.md), on both backends:
lines by outcome, rejected lines by reason, files by outcome, one batch timed per commit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.metrics import Snapshot

LINES = "hotelreviews_ingest_lines_total"
REJECTED = "hotelreviews_ingest_rejected_lines_total"
FILES = "hotelreviews_ingest_files_total"
BATCHES = "hotelreviews_ingest_batch_duration_seconds_count"

# broken_lines.jl: line 10 is the one valid review, line 7 is blank, the rest rejected.
BROKEN_REJECTIONS = {
    "missing_field": 3,
    "out_of_range": 1,
    "invalid_date": 1,
    "invalid_json": 2,
    "not_an_object": 1,
    "wrong_type": 1,
    "non_finite_number": 1,
}


async def test_the_broken_lines_sample_counts_one_stored_line_and_ten_rejected_by_reason(
    engine: AsyncEngine, settings: Settings, samples_dir: Path
) -> None:
    before = Snapshot()
    await ingest_paths(
        engine=engine, settings=settings, paths=[str(samples_dir / "broken_lines.jl")]
    )

    assert before.increase(LINES, outcome="stored") == 1
    assert before.increase(LINES, outcome="rejected") == 10
    assert before.increase(LINES, outcome="blank") == 1
    assert before.increase(LINES, outcome="unchanged") == 0
    for reason, count in BROKEN_REJECTIONS.items():
        assert before.increase(REJECTED, reason=reason) == count, reason
    assert sum(BROKEN_REJECTIONS.values()) == 10
    assert before.increase(FILES, outcome="ingested") == 1
    assert before.increase(BATCHES) == 1  # 12 lines, batches of 500


async def test_a_second_ingest_is_a_skipped_file_and_a_forced_one_counts_unchanged_lines(
    engine: AsyncEngine, settings: Settings, samples_dir: Path
) -> None:
    sample = str(samples_dir / "agoda_com_2025-03-16.jl")
    await ingest_paths(engine=engine, settings=settings, paths=[sample])

    before = Snapshot()
    await ingest_paths(engine=engine, settings=settings, paths=[sample])
    assert before.increase(FILES, outcome="skipped") == 1
    assert before.increase(BATCHES) == 0

    before = Snapshot()
    report = await ingest_paths(engine=engine, settings=settings, paths=[sample], force=True)
    # The metrics say what the report says: most lines unchanged; the review that arrives
    # twice is updated to its first version, then back to its later one.
    counts = report.files[0].counts
    assert (counts.unchanged, counts.new + counts.updated) == (8, 2)
    assert before.increase(LINES, outcome="unchanged") == 8
    assert before.increase(LINES, outcome="stored") == 2
    assert before.increase(FILES, outcome="ingested") == 1


async def test_an_unreadable_source_is_a_failed_file(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    before = Snapshot()
    report = await ingest_paths(
        engine=engine, settings=settings, paths=[str(tmp_path / "no-such-file.jl")]
    )
    assert [file.status for file in report.files] == ["failed"]
    assert before.increase(FILES, outcome="failed") == 1
