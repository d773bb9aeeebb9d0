"""How soon review intelligence follows ingestion, and what it costs ingestion.

    PYTHONPATH=src .venv/bin/python bench/intelligence_freshness.py [--reviews 30000]

Demo files (`hotelreviews demo`'s generator) are ingested twice into fresh embedded (SQLite)
databases, in this process as `hotelreviews ingest` does, with batches of `--batch` lines:

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
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import EMBEDDED_DATABASE_NAME, Settings
from hotelreviews.demo import write_demo
from hotelreviews.ingestion.writing.service import ingest_paths

POLL_SECONDS = 0.02


@dataclass(slots=True)
class Watch:
    """Wall-clock times (epoch s) of events committed and of the runner having applied them."""

    committed: dict[int, float] = field(default_factory=dict)  # last event id of a batch -> t
    applied: dict[int, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def watch(database: Path, state: Watch) -> None:
    """Poll the events (grouped by commit: one occurred_at per batch) and the cursor."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    seen = 0
    while not state.stop.is_set():
        try:
            rows = connection.execute(
                "SELECT max(id), occurred_at FROM events WHERE id > ? AND kind = 'reviews' "
                "GROUP BY occurred_at",
                (seen,),
            ).fetchall()
            for last, occurred in rows:
                state.committed[last] = _epoch(occurred)
                seen = max(seen, last)
            cursor = connection.execute(
                "SELECT last_event_id FROM intelligence_progress WHERE id = 1"
            ).fetchone()
        except sqlite3.OperationalError:  # busy, or the tables do not exist yet
            cursor = None
        now = time.time()
        if cursor is not None:
            for last in state.committed:
                if last <= cursor[0] and last not in state.applied:
                    state.applied[last] = now
        time.sleep(POLL_SECONDS)
    connection.close()


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


def fresh(work: Path, name: str, batch: int) -> Settings:
    data_dir = work / name
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    settings = Settings(data_dir=data_dir, ingest_batch_size=batch, intelligence_enabled=False)
    migrations.upgrade(settings)
    return settings


def start_runner(settings: Settings, *, events: int) -> subprocess.Popen[bytes]:
    env = {
        "HOTELREVIEWS_INTELLIGENCE_BATCH_EVENTS": str(events),
        **os.environ,
        "HOTELREVIEWS_DATA_DIR": str(settings.data_dir),
        "HOTELREVIEWS_WORKER_SOURCES": "",
        "HOTELREVIEWS_INTELLIGENCE_ENABLED": "true",
        "HOTELREVIEWS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "hotelreviews", "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def wait_for_cursor(database: Path, *, timeout: float = 60) -> None:
    """Until the runner has stored its first cursor (its start-up resynchronisation)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
                if connection.execute("SELECT 1 FROM intelligence_progress").fetchone():
                    return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.1)
    raise TimeoutError("the runner did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=1000, help="lines per ingestion batch")
    parser.add_argument(
        "--events", type=int, default=None, help="runner: events per transaction (settings')"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="intelligence-freshness-"))
    files = work / "demo"
    write_demo(out_dir=files, reviews=args.reviews, seed=7)

    off = fresh(work, "off", args.batch)
    off_seconds, off_reviews = asyncio.run(ingest(off, files))

    on = fresh(work, "on", args.batch)
    database = on.data_dir / EMBEDDED_DATABASE_NAME
    events = args.events or Settings().intelligence_batch_events
    runner = start_runner(on, events=events)
    state = Watch()
    watcher = threading.Thread(target=watch, args=(database, state), daemon=True)
    try:
        wait_for_cursor(database)
        watcher.start()
        on_seconds, on_reviews = asyncio.run(ingest(on, files))
        ingested_at = time.time()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(state.applied) < len(state.committed):
            time.sleep(0.05)
        drained = max(state.applied.values(), default=ingested_at) - ingested_at
    finally:
        state.stop.set()
        runner.terminate()
        runner.wait(timeout=30)
    lags = [state.applied[k] - state.committed[k] for k in state.committed if k in state.applied]
    off_rate, on_rate = off_reviews / off_seconds, on_reviews / on_seconds
    print(
        f"reviews {args.reviews:,} in {len(state.committed)} batches of {args.batch} lines; "
        f"runner: up to {events} events per transaction"
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
