"""Waiting until PostgreSQL backends block on each other's locks (concurrency tests)."""

from __future__ import annotations

import asyncio
import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

_LOCK_WAITS = sa.text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def wait_for_lock_waits(engine: AsyncEngine, count: int = 1) -> None:
    """Until `count` backends of this database wait on a lock another one holds."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with engine.connect() as connection:
            if (await connection.execute(_LOCK_WAITS)).scalar_one() >= count:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never saw {count} backend(s) waiting on another one's lock")
