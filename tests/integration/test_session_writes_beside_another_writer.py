"""A session's use cases (refresh, sign-out) beside another process writing the same embedded
SQLite database, as a `hotelreviews worker` does all the time.

A deferred transaction that reads and then writes fails at once with "database is locked" if
another writer committed after its read (SQLite cannot wait that out: its snapshot is stale);
the session's use cases take the write lock first (write_transaction: BEGIN IMMEDIATE) and
wait for the other writer instead. Found by the operations console's browser tests: a page
load's /web/session/refresh answered 503 while the worker wrote.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import EMBEDDED_DATABASE_NAME, Settings
from hotelreviews.security import logins, service
from hotelreviews.security.signing import load_signing_keys

PASSWORD = "correct horse battery staple"
# Time for the use case to reach the other writer's lock before that writer commits. Shorter
# on a busy machine only makes the test weaker (it would pass without the fix), never fail.
REACH_THE_LOCK_SECONDS = 0.5


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_refresh_waits_for_another_writer_instead_of_failing(
    settings: Settings, engine: AsyncEngine
) -> None:
    keys = load_signing_keys(settings)
    await service.create_user(
        engine=engine, username="ada", password=PASSWORD, roles=frozenset({"admin"})
    )
    pair = await logins.login(
        engine=engine, settings=settings, keys=keys, username="ada", password=PASSWORD
    )
    other = sqlite3.connect(settings.data_dir / EMBEDDED_DATABASE_NAME, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("CREATE TABLE another_writers_work (n INTEGER)")
        refreshing = asyncio.create_task(
            service.refresh(
                engine=engine, settings=settings, keys=keys, refresh_token=pair.refresh_token
            )
        )
        await asyncio.sleep(REACH_THE_LOCK_SECONDS)
        assert not refreshing.done()  # waiting for the other writer's lock
        other.execute("COMMIT")
        rotated = await refreshing
    finally:
        other.close()
    assert rotated.refresh_token != pair.refresh_token
