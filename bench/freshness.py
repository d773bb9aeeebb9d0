"""Review intelligence's freshness, measured from outside: shared by bench/intelligence_freshness.py
and bench/ingest.py (`--intelligence on`).

A `hotelreviews worker` child (no sources: it only runs the intelligence runner) follows a
database while something else ingests into it; a thread of the benchmark's process polls, every
20 ms, the "reviews" events (one `occurred_at` per committed batch, written just before the
commit) and the runner's cursor. A batch is applied when the cursor has moved past its last
event — its opinions, reputations and alerts are committed. The lag is applied − committed.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.events.tables import events
from hotelreviews.intelligence.runner.tables import intelligence_progress

POLL_SECONDS = 0.02


@dataclass(slots=True)
class Watch:
    """Wall-clock times (epoch s) of events committed and of the runner having applied them."""

    committed: dict[int, float] = field(default_factory=dict)  # last event id of a batch -> t
    applied: dict[int, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    drained: float = 0.0  # seconds from the end of the ingestion to the last batch applied


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
        # With Redis, the runner is woken by each batch's events notice, as in a deployment;
        # without, by its poll (every intelligence_poll_seconds).
        **(
            {"HOTELREVIEWS_REDIS_URL": settings.redis_url.get_secret_value()}
            if settings.redis_url is not None
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


def lags(state: Watch) -> list[float]:
    """Seconds from commit to applied, per batch applied."""
    return [state.applied[k] - state.committed[k] for k in state.committed if k in state.applied]


def describe_lags(values: list[float]) -> str:
    """p50/p95/max of the lags, as the benchmarks print them."""
    if not values:
        return "no batch applied"
    return (
        f"p50 {statistics.median(values):.2f} s  p95 {percentile(values, 0.95):.2f} s  "
        f"max {max(values):.2f} s"
    )


@contextmanager
def runner_watched(settings: Settings, *, events_per_step: int) -> Iterator[Watch]:
    """A runner child on the database and the watching thread, for the block; after it,
    waits (up to 120 s) for the runner to apply every batch committed, then stops both.
    The Watch's `drained` is how long after the block's end the last batch was applied."""
    runner = start_runner(settings, events=events_per_step)
    state = Watch()
    watcher = threading.Thread(target=watch, args=(settings, state), daemon=True)
    try:
        wait_for_cursor(settings)
        watcher.start()
        yield state
        ended = time.time()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(state.applied) < len(state.committed):
            time.sleep(0.05)
        state.drained = max(state.applied.values(), default=ended) - ended
    finally:
        state.stop.set()
        if watcher.is_alive():
            watcher.join(timeout=10)
        runner.terminate()
        runner.wait(timeout=30)
