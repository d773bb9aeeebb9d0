"""Where the intelligence runner's time goes, step by step, per review.

    PYTHONPATH=src:. .venv/bin/python bench/runner_stages.py [--reviews N] [--follow]
        [--backend postgresql]

Demo files (seed 7) are ingested into a fresh database, then the runner catches up with each
stage's function wrapped in a timer (the ordinary incremental path from the first event, not a
resynchronisation). Two regimes:

- default: everything is ingested first, then one `catch_up` (`intelligence_batch_events`
  events a step): a runner that fell behind, its per-hotel work shared by many reviews;
- `--follow`: the demo's files are ingested one by one, in the order of their dates, and after
  each a `catch_up` applies it: a runner keeping up, each step one file's events (the regime of
  the freshness goal: per-hotel work is shared by few reviews).

Prints, per stage, the seconds and µs per review analysed, and the runner's total time against
the ingestion of the same reviews in the same run (the baseline: what the runner must keep up
with on a core of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.pg_server import PostgresServer

from common import PRODUCTION_LIKE, delivered
from hotelreviews.core import migrations
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import create_engine, write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.demo import write_demo
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.runner import repository as runner_repo
from hotelreviews.intelligence.runner.day_series import DayMemory

# The package exports the function `catch_up`, which hides the module of that name.
catch_up_module = importlib.import_module("hotelreviews.intelligence.runner.catch_up")

STAGES = [
    ("plan: hotel places", runner_repo, "hotel_places"),
    ("plan: analyse (aspects)", catch_up_module, "analyse_hotels"),
    ("plan: judge duplicates", catch_up_module, "judge_hotels"),
    ("plan: score", catch_up_module, "score_hotels"),
    ("plan: detect", catch_up_module, "detect_hotel"),
    ("plan: tastes", catch_up_module, "plan_tastes"),
    ("write: opinions", runner_repo, "store_opinions"),
    ("write: duplicates", catch_up_module, "store_judged"),
    ("write: scores", catch_up_module, "store_scores"),
    ("write: tastes", catch_up_module, "store_tastes"),
    ("write: alerts", catch_up_module, "store_alerts"),
]


def timed(spent: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started

    return wrapper


async def run(settings: Settings, files: Path, follow: bool) -> None:
    engine = create_engine(settings)
    spent: dict[str, float] = defaultdict(float)
    caught = catch_up_module.CatchUpReport()
    ingest_seconds = total = 0.0
    stored = 0
    memory = DayMemory()  # kept from one catch-up to the next, as a worker's runner keeps it
    try:
        async with write_transaction(engine) as connection:
            await runner_repo.save_cursor(connection, last_event_id=0, now=utcnow())
        for name, module, attribute in STAGES:
            setattr(module, attribute, timed(spent, name, getattr(module, attribute)))
        for part in delivered(files) if follow else [files]:
            started = time.perf_counter()
            report = await ingest_paths(engine=engine, settings=settings, paths=[str(part)])
            ingest_seconds += time.perf_counter() - started
            stored += report.totals.new
            started = time.perf_counter()
            step = await catch_up_module.catch_up(engine=engine, settings=settings, memory=memory)
            total += time.perf_counter() - started
            caught.analysed += step.analysed
            caught.hotels += step.hotels
            caught.transactions += step.transactions
    finally:
        await engine.dispose()
    reviews = max(caught.analysed, 1)
    print(
        f"ingested {stored:,} reviews in {ingest_seconds:.1f} s "
        f"({stored / ingest_seconds:,.0f}/s, {ingest_seconds / reviews * 1e6:.0f} µs/review)"
        + (", file by file, each caught up at once" if follow else "")
    )
    print(
        f"runner: {caught.analysed:,} reviews, {caught.hotels:,} hotel-steps, "
        f"{caught.transactions} steps, {total:.1f} s"
    )
    print(f"{'stage':28} {'seconds':>8} {'µs/review':>10}")
    for name, _, _ in STAGES:
        print(f"{name:28} {spent[name]:8.2f} {spent[name] / reviews * 1e6:10.1f}")
    rest = total - sum(spent.values())
    print(f"{'the rest (reads, commits)':28} {rest:8.2f} {rest / reviews * 1e6:10.1f}")
    print(f"{'total':28} {total:8.2f} {total / reviews * 1e6:10.1f}")
    print(f"runner / ingestion time: {total / ingest_seconds:.2f} (goal: ≤ 1 to keep up)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--follow", action="store_true", help="catch up after every file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="runner-stages-"))
    try:
        files = work / "demo"
        write_demo(out_dir=files, reviews=args.reviews, seed=7)
        server = PostgresServer(settings=PRODUCTION_LIKE) if args.backend == "postgresql" else None
        if server is not None:
            server.start()
        try:
            url = server.create_database("stages") if server is not None else None
            settings = Settings(
                data_dir=work / "data", database_url=url, intelligence_enabled=False
            )
            (work / "data").mkdir()
            migrations.upgrade(settings)
            asyncio.run(run(settings, files, args.follow))
        finally:
            if server is not None:
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
