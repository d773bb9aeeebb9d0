"""How soon review intelligence follows ingestion, and what it costs ingestion.

    PYTHONPATH=src:. .venv/bin/python bench/intelligence_freshness.py [--backend postgresql]

Demo files (`hotelreviews demo`'s generator) are ingested twice into fresh databases (SQLite;
with `--backend postgresql` a throwaway PostgreSQL server with production-like settings), in
this process as `hotelreviews ingest` does, with batches of `--batch` lines:

- off: no runner (HOTELREVIEWS_INTELLIGENCE_ENABLED=false, as it were);
- on: `hotelreviews worker` running in a child process (no sources: it only runs the
  intelligence runner, woken by its 1 s poll, since notices of another process need Redis).

Freshness, per committed batch: from the batch's commit (its events' `occurred_at`, written
just before the commit) to the moment the runner's cursor, polled every 20 ms by a thread of
this process, has moved past the batch's last event — i.e. its opinions, reputations and
alerts are committed. p50/p95/max over the batches. Throughput: distinct reviews stored per
second of ingestion, on against off (goal ≥ 0.75), in the same run; and how long the runner
took to finish after the last batch. Goal: p95 ≤ 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from tests.support.pg_server import PostgresServer

from common import PRODUCTION_LIKE
from freshness import describe_lags, lags, runner_watched
from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.demo import write_demo
from hotelreviews.ingestion.writing.service import ingest_paths


async def ingest(settings: Settings, files: Path) -> tuple[float, int]:
    """Ingest the demo files; (seconds, distinct reviews stored)."""
    engine = create_engine(settings)
    try:
        started = time.perf_counter()
        report = await ingest_paths(engine=engine, settings=settings, paths=[str(files)])
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return seconds, report.totals.new


def fresh(work: Path, name: str, batch: int, server: PostgresServer | None) -> Settings:
    data_dir = work / name
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    url = server.create_database(name) if server is not None else None
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        ingest_batch_size=batch,
        intelligence_enabled=False,
    )
    migrations.upgrade(settings)
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=1000, help="lines per ingestion batch")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--events", type=int, default=None, help="runner: events per transaction (settings')"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="intelligence-freshness-"))
    files = work / "demo"
    write_demo(out_dir=files, reviews=args.reviews, seed=7)

    server = PostgresServer(settings=PRODUCTION_LIKE) if args.backend == "postgresql" else None
    if server is not None:
        server.start()
    try:
        off = fresh(work, "off", args.batch, server)
        off_seconds, off_reviews = asyncio.run(ingest(off, files))

        on = fresh(work, "on", args.batch, server)
        events_per_step = args.events or Settings().intelligence_batch_events
        with runner_watched(on, events_per_step=events_per_step) as state:
            on_seconds, on_reviews = asyncio.run(ingest(on, files))
    finally:
        if server is not None:
            server.stop()
    applied = lags(state)
    off_rate, on_rate = off_reviews / off_seconds, on_reviews / on_seconds
    print(
        f"reviews {args.reviews:,} in {len(state.committed)} batches of {args.batch} lines; "
        f"runner: up to {events_per_step} events per transaction ({args.backend})"
    )
    print(
        f"freshness (commit -> applied), {len(applied)} batches applied of {len(state.committed)}:"
    )
    print(f"  {describe_lags(applied)}   (goal p95 <= 5 s)")
    print(f"ingestion, runner off: {off_rate:,.0f} reviews/s ({off_seconds:.1f} s)")
    print(f"ingestion, runner on:  {on_rate:,.0f} reviews/s ({on_seconds:.1f} s)")
    print(f"  on/off {on_rate / off_rate:.2f}   (goal >= 0.75)")
    print(f"runner finished {state.drained:.2f} s after the last batch committed")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
