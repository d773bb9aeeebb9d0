"""Ingestion throughput and memory, into PostgreSQL and SQLite, against a raw-load baseline.

    .venv/bin/python bench/ingest.py --reviews 1000000

For each size it writes one demo file (both shapes, edits, broken lines), ingests it with
`hotelreviews ingest` in a child process into a fresh database, and reports reviews/s and the
child's peak RSS. Two baselines, measured in the same run on the same rows with the
ingester's own bulk load (ingestion.repository.bulk_load: a binary COPY through asyncpg on
PostgreSQL, the driver's executemany INSERT on SQLite), parsing not timed:
- raw: into an unindexed table with the reviews columns — what the disk and driver allow;
- into reviews: into the real `reviews` table of a fresh database, with its indexes, foreign
  keys and full-text index — what the schema allows a single writer, before any ingestion
  logic (look-ups, summaries, progress) runs.
A second row per backend, "… bulk", ingests the same file with `hotelreviews ingest --bulk`
into another fresh database (search and page indexes built after the load), against the
same baselines.

`--intelligence off,on` (default: off only) also ingests the file, without --bulk, into
another fresh database while a `hotelreviews worker` child (no sources) runs the
review-intelligence runner on it, and prints under the backend's rows: reviews/s with the
runner on, on/off against the first row (goal >= 0.75), and the freshness of each committed
batch — commit to its opinions, reputations and alerts committed — p50/p95/max (goal p95 <=
5 s; measured as bench/intelligence_freshness.py does, with bench/freshness.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import PRODUCTION_LIKE, demo_file, fresh_settings, run_child
from freshness import describe_lags, lags, runner_watched
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.shapes.parsing import parse_line
from hotelreviews.ingestion.shapes.records import NormalizedReview
from hotelreviews.ingestion.writing.repository import bulk_load
from hotelreviews.ingestion.writing.rows import review_row
from hotelreviews.ingestion.writing.upserts import review_staging

CHUNK = 5_000


def _rows(path: Path):  # noqa: ANN202 - a generator of row chunks
    """The staging rows of the file's valid reviews, in chunks (hotel ids are stand-ins)."""
    now = datetime.now(UTC)
    chunk, number = [], 0
    with path.open("rb") as handle:
        for raw in handle:
            review = parse_line(raw.rstrip(b"\r\n"))
            if isinstance(review, NormalizedReview):
                number += 1
                chunk.append(
                    review_row(
                        key=(1, f"{review.provider.key}:{review.provider_review_id}:{number}"),
                        review=review,
                        hotel_id=1,
                        run_id=1,
                        now=now,
                    )
                )
                if len(chunk) == CHUNK:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


async def _baseline(settings: Settings, path: Path, *, into_reviews: bool) -> tuple[int, float]:
    """Rows loaded and seconds spent loading them (only the load is timed)."""
    import sqlalchemy as sa

    from hotelreviews.app.schema import hotels, ingested_files, providers

    engine = create_engine(settings)
    plain = sa.Table(
        "baseline_reviews",
        sa.MetaData(),
        *(sa.Column(c.name, c.type) for c in review_staging.columns),
    )
    now = datetime.now(UTC)
    rows = seconds = 0
    try:
        async with engine.begin() as connection:
            if into_reviews:  # the rows' provider, hotel and run (ids 1) for the foreign keys
                await connection.execute(
                    sa.insert(providers).values(key="b", name="b", rating_scale=10, created_at=now)
                )
                await connection.execute(
                    sa.insert(hotels).values(
                        external_id="b", name="b", created_at=now, updated_at=now
                    )
                )
                await connection.execute(
                    sa.insert(ingested_files).values(
                        source_uri="b", display_name="b", size_bytes=0, checksum="b",
                        status="running", forced=False, lines_done=0, lines_blank=0,
                        reviews_new=0, reviews_updated=0, reviews_unchanged=0,
                        lines_rejected=0, rejected_by_reason={}, started_at=now,
                    )
                )  # fmt: skip
            else:
                await connection.run_sync(plain.create)
        table = "reviews" if into_reviews else "baseline_reviews"
        for chunk in _rows(path):
            async with engine.begin() as connection:
                started = time.perf_counter()
                await bulk_load(connection, table=table, rows=chunk)
                seconds += time.perf_counter() - started
            rows += len(chunk)
    finally:
        await engine.dispose()
    return rows, seconds


def _rate(load) -> float:  # noqa: ANN001 - a baseline coroutine
    rows, seconds = asyncio.run(load)
    return rows / seconds


def _ingest(settings: Settings, path: Path, *, bulk: bool = False) -> dict:
    import orjson

    env = {**os.environ, "HOTELREVIEWS_DATA_DIR": str(settings.data_dir)}
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    command = [sys.executable, "-m", "hotelreviews", "ingest", "--json", str(path)]
    run = run_child(command + (["--bulk"] if bulk else []), env=env)
    if run.returncode != 0:
        raise SystemExit(f"ingest failed with exit code {run.returncode}")
    summary = orjson.loads(run.stdout)
    totals = summary["totals"]
    reviews = totals["reviews_new"] + totals["reviews_updated"] + totals["reviews_unchanged"]
    return {
        "seconds": run.seconds,
        "peak_rss_mb": run.peak_rss_mb,
        "reviews": reviews,
        "lines": totals["lines_read"],
        "rejected": totals["lines_rejected"],
    }


def _modes(text: str) -> set[str]:
    modes = {mode.strip() for mode in text.split(",")}
    if not modes <= {"off", "on"}:
        raise argparse.ArgumentTypeError("off, on or off,on")
    return modes


def _with_intelligence(settings: Settings, path: Path, *, off_rate: float) -> str:
    """Ingest with the runner following; the line to print."""
    with runner_watched(settings, events_per_step=settings.intelligence_batch_events) as state:
        run = _ingest(settings, path)
    rate = run["reviews"] / run["seconds"]
    applied = lags(state)
    return (
        f"  intelligence on: {rate:,.0f} reviews/s, on/off {rate / off_rate:.2f} (goal >= 0.75); "
        f"commit -> applied {describe_lags(applied)} (goal p95 <= 5 s), "
        f"{len(applied)} of {len(state.committed)} batches; last applied "
        f"{state.drained:.1f} s after the ingest ended"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reviews",
        type=int,
        nargs="+",
        default=[250_000, 1_000_000],
        help="demo sizes to ingest (memory should stay flat as they grow)",
    )
    parser.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument(
        "--intelligence",
        type=_modes,
        default={"off"},
        help="off,on: also ingest with the review-intelligence runner following (see above)",
    )
    args = parser.parse_args()

    from tests.support.pg_server import PostgresServer

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    # Durable settings, as in production (the test helper turns them off by default).
    server = PostgresServer(settings=PRODUCTION_LIKE) if "postgresql" in args.backends else None
    if server:
        server.start()
    print(
        f"{'backend':<16}{'reviews':>10}{'lines':>11}{'seconds':>9}{'reviews/s':>11}"
        f"{'peak RSS MB':>13}{'raw rows/s':>12}{'ratio':>7}{'into reviews/s':>16}{'ratio':>7}"
    )
    try:
        for size in args.reviews:
            path, _ = demo_file(reviews=size, directory=work)
            for backend in args.backends:
                label = f"{backend[:2]}{size}"
                result = _ingest(fresh_settings(backend, work, server, f"ingest_{label}"), path)
                bulk = _ingest(
                    fresh_settings(backend, work, server, f"bulk_{label}"), path, bulk=True
                )
                raw, indexed = (
                    _rate(
                        _baseline(
                            fresh_settings(backend, work, server, f"base{into:d}_{label}"),
                            path,
                            into_reviews=into,
                        )
                    )
                    for into in (False, True)
                )
                for name, run in ((backend, result), (f"{backend} bulk", bulk)):
                    rate = run["reviews"] / run["seconds"]
                    print(
                        f"{name:<16}{run['reviews']:>10,}{run['lines']:>11,}"
                        f"{run['seconds']:>9.1f}{rate:>11,.0f}{run['peak_rss_mb']:>13.0f}"
                        f"{raw:>12,.0f}{rate / raw:>7.2f}{indexed:>16,.0f}{rate / indexed:>7.2f}",
                        flush=True,
                    )
                if "on" in args.intelligence:
                    on = fresh_settings(backend, work, server, f"intel_{label}")
                    off_rate = result["reviews"] / result["seconds"]
                    print(_with_intelligence(on, path, off_rate=off_rate), flush=True)
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
