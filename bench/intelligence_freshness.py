"""How soon review intelligence follows ingestion, and what it costs ingestion.

    PYTHONPATH=src:. .venv/bin/python bench/intelligence_freshness.py [--backend postgresql]
        [--rate REVIEWS_PER_SECOND] [--redis]

Demo files (`hotelreviews demo`'s generator) are ingested twice into fresh databases (SQLite;
with `--backend postgresql` a throwaway PostgreSQL server with production-like settings), in
this process as `hotelreviews ingest` does, with batches of `--batch` lines:

- off: no runner (HOTELREVIEWS_INTELLIGENCE_ENABLED=false, as it were);
- on: `hotelreviews worker` running in a child process (no sources: it only runs the
  intelligence runner), woken by its 1 s poll — or, with `--redis` (a throwaway Redis server,
  as every deployed region has), by each batch's events notice too.

Freshness, per committed batch: from the batch's commit (its events' `occurred_at`, written
just before the commit) to the moment the runner's cursor, polled every 20 ms by a thread of
this process, has moved past the batch's last event — i.e. its opinions, reputations and
alerts are committed. p50/p95/max over the batches. Throughput: distinct reviews stored per
second of ingestion, on against off (goal ≥ 0.75), in the same run; and how long the runner
took to finish after the last batch. Goal: p95 ≤ 5 s.

With `--rate R` the files are delivered one by one, in the order of their dates, paced so
that no more than R reviews a second arrive (a provider's feed at a sustained rate, where the
default is a backlog ingested as fast as it goes): only the "on" run, and its freshness, are
measured. A sweep of rates shows the highest rate at which the runner keeps up.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from tests.support.pg_server import PostgresServer
from tests.support.redis_server import RedisServer

from common import PRODUCTION_LIKE, delivered
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


async def ingest_paced(settings: Settings, files: Path, rate: float) -> tuple[float, int]:
    """Ingest the demo files one by one in delivery order, at most `rate` reviews a second on
    average since the start; (seconds, distinct reviews stored)."""
    engine = create_engine(settings)
    stored = 0
    try:
        started = time.perf_counter()
        for path in delivered(files):
            ahead = stored / rate - (time.perf_counter() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
            report = await ingest_paths(engine=engine, settings=settings, paths=[str(path)])
            stored += report.totals.new
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return seconds, stored


def fresh(
    work: Path, name: str, batch: int, server: PostgresServer | None, redis_url: str | None
) -> Settings:
    data_dir = work / name
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    url = server.create_database(name) if server is not None else None
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        redis_url=redis_url,
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
    parser.add_argument(
        "--rate", type=float, default=None, help="deliver at most this many reviews a second"
    )
    parser.add_argument(
        "--redis", action="store_true", help="wake the runner by events notices through Redis"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="intelligence-freshness-"))
    files = work / "demo"
    write_demo(out_dir=files, reviews=args.reviews, seed=7)

    server = PostgresServer(settings=PRODUCTION_LIKE) if args.backend == "postgresql" else None
    if server is not None:
        server.start()
    redis = RedisServer().start() if args.redis else None
    redis_url = redis.url if redis is not None else None
    try:
        if args.rate is None:
            off = fresh(work, "off", args.batch, server, redis_url)
            off_seconds, off_reviews = asyncio.run(ingest(off, files))

        on = fresh(work, "on", args.batch, server, redis_url)
        events_per_step = args.events or Settings().intelligence_batch_events
        with runner_watched(on, events_per_step=events_per_step) as state:
            if args.rate is None:
                on_seconds, on_reviews = asyncio.run(ingest(on, files))
            else:
                on_seconds, on_reviews = asyncio.run(ingest_paced(on, files, args.rate))
    finally:
        if server is not None:
            server.stop()
        if redis is not None:
            redis.stop()
    applied = lags(state)
    print(
        f"reviews {args.reviews:,} in {len(state.committed)} batches of up to {args.batch} "
        f"lines; runner: up to {events_per_step} events per transaction ({args.backend}, "
        f"woken by {'Redis notices and ' if args.redis else ''}its poll)"
    )
    if args.rate is not None:
        print(
            f"delivered file by file at up to {args.rate:,.0f} reviews/s: "
            f"{on_reviews / on_seconds:,.0f} reviews/s over {on_seconds:.1f} s"
        )
    print(
        f"freshness (commit -> applied), {len(applied)} batches applied of {len(state.committed)}:"
    )
    print(f"  {describe_lags(applied)}   (goal p95 <= 5 s)")
    print(f"runner finished {state.drained:.2f} s after the last batch committed")
    shutil.rmtree(work, ignore_errors=True)
    if args.rate is not None:
        return
    off_rate, on_rate = off_reviews / off_seconds, on_reviews / on_seconds
    print(f"ingestion, runner off: {off_rate:,.0f} reviews/s ({off_seconds:.1f} s)")
    print(f"ingestion, runner on:  {on_rate:,.0f} reviews/s ({on_seconds:.1f} s)")
    print(f"  on/off {on_rate / off_rate:.2f}   (goal >= 0.75)")


if __name__ == "__main__":
    main()
