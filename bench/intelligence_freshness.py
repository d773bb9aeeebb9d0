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
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from tests.support.pg_server import PostgresServer

from common import PRODUCTION_LIKE
from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.demo import write_demo
from hotelreviews.events.tables import events
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.runner.tables import intelligence_progress

POLL_SECONDS = 0.02


@dataclass(slots=True)
class Watch:
    """Wall-clock times (epoch s) of events committed and of the runner having applied them."""

    committed: dict[int, float] = field(default_factory=dict)  # last event id of a batch -> t
    applied: dict[int, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)


async def _watch(settings: Settings, state: Watch) -> None:
    """Poll the events (grouped by commit: one occurred_at per batch) and the cursor."""
    engine = create_engine(settings)
    seen = 0
    batches = (
        sa.select(sa.func.max(events.c.id), events.c.occurred_at)
        .where(events.c.id > sa.bindparam("seen"), events.c.kind == "reviews")
        .group_by(events.c.occurred_at)
    )
    cursor_of = sa.select(intelligence_progress.c.last_event_id)
    try:
        while not state.stop.is_set():
            async with engine.connect() as connection:
                for last, occurred in (await connection.execute(batches, {"seen": seen})).all():
                    state.committed[last] = occurred.timestamp()
                    seen = max(seen, last)
                cursor = (await connection.execute(cursor_of)).scalar_one_or_none()
                await connection.rollback()
            now = time.time()
            if cursor is not None:
                for last in state.committed:
                    if last <= cursor and last not in state.applied:
                        state.applied[last] = now
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await engine.dispose()


def watch(settings: Settings, state: Watch) -> None:
    asyncio.run(_watch(settings, state))


async def _cursor(settings: Settings) -> int | None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            statement = sa.select(intelligence_progress.c.last_event_id)
            return (await connection.execute(statement)).scalar_one_or_none()
    finally:
        await engine.dispose()


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


def start_runner(settings: Settings, *, events: int) -> subprocess.Popen[bytes]:
    env = {
        "HOTELREVIEWS_INTELLIGENCE_BATCH_EVENTS": str(events),
        **os.environ,
        "HOTELREVIEWS_DATA_DIR": str(settings.data_dir),
        **(
            {"HOTELREVIEWS_DATABASE_URL": settings.database_url.get_secret_value()}
            if settings.database_url is not None
            else {}
        ),
        "HOTELREVIEWS_WORKER_SOURCES": "",
        "HOTELREVIEWS_INTELLIGENCE_ENABLED": "true",
        "HOTELREVIEWS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "hotelreviews", "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def wait_for_cursor(settings: Settings, *, timeout: float = 60) -> None:
    """Until the runner has stored its first cursor (its start-up resynchronisation)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if asyncio.run(_cursor(settings)) is not None:
            return
        time.sleep(0.1)
    raise TimeoutError("the runner did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


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
        runner = start_runner(on, events=events_per_step)
        state = Watch()
        watcher = threading.Thread(target=watch, args=(on, state), daemon=True)
        try:
            wait_for_cursor(on)
            watcher.start()
            on_seconds, on_reviews = asyncio.run(ingest(on, files))
            ingested_at = time.time()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(state.applied) < len(state.committed):
                time.sleep(0.05)
            drained = max(state.applied.values(), default=ingested_at) - ingested_at
        finally:
            state.stop.set()
            watcher.join(timeout=10)
            runner.terminate()
            runner.wait(timeout=30)
    finally:
        if server is not None:
            server.stop()
    lags = [state.applied[k] - state.committed[k] for k in state.committed if k in state.applied]
    off_rate, on_rate = off_reviews / off_seconds, on_reviews / on_seconds
    print(
        f"reviews {args.reviews:,} in {len(state.committed)} batches of {args.batch} lines; "
        f"runner: up to {events_per_step} events per transaction ({args.backend})"
    )
    print(f"freshness (commit -> applied), {len(lags)} batches applied of {len(state.committed)}:")
    print(
        f"  p50 {statistics.median(lags):.2f} s  p95 {percentile(lags, 0.95):.2f} s  "
        f"max {max(lags):.2f} s   (goal p95 <= 5 s)"
    )
    print(f"ingestion, runner off: {off_rate:,.0f} reviews/s ({off_seconds:.1f} s)")
    print(f"ingestion, runner on:  {on_rate:,.0f} reviews/s ({on_seconds:.1f} s)")
    print(f"  on/off {on_rate / off_rate:.2f}   (goal >= 0.75)")
    print(f"runner finished {drained:.2f} s after the last batch committed")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
