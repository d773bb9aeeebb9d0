"""Helpers for queue and worker tests: quick worker settings, subprocess environments, and
waiting for a condition with a generous deadline (never asserting how long it took)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingestion_jobs
from hotelreviews.core.settings import Settings

DEADLINE_SECONDS = 120.0

# Short enough that tests finish quickly, long enough that a loaded machine renews in time.
QUICK = {
    "worker_poll_seconds": 0.2,
    "worker_settle_seconds": 0.0,
    "worker_lease_seconds": 3.0,
    "worker_heartbeat_seconds": 0.5,
    "worker_backoff_base_seconds": 0.05,
    "worker_backoff_max_seconds": 0.2,
}


def quick_worker_settings(settings: Settings, *sources: Path | str, **overrides: Any) -> Settings:
    """`settings` with the worker polling `sources` and short polls, leases and backoffs."""
    update = {**QUICK, "worker_sources": [str(source) for source in sources], **overrides}
    return settings.model_copy(update=update)


def worker_environment(settings: Settings, **variables: Any) -> dict[str, str]:
    """The environment of a `hotelreviews` child process using the test's database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env["HOTELREVIEWS_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    for name, value in {**QUICK, **variables}.items():
        env[f"HOTELREVIEWS_{name.upper()}"] = str(value)
    return env


def worker_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "hotelreviews", "worker", *arguments]


async def wait_for(
    condition: Callable[[], Awaitable[Any]], what: str, *, deadline: float = DEADLINE_SECONDS
) -> Any:
    """Poll `condition` until it returns something truthy, which is returned."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        result = await condition()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up after {deadline:.0f} s waiting for {what}")


async def jobs_by_id(engine: AsyncEngine) -> dict[int, Any]:
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(ingestion_jobs))).all()
    return {row.id: row for row in rows}
