"""Migration 0016 on both backends: `events` takes "ingestion" events (no hotel, an owner),
keeps its rows and, on SQLite, its AUTOINCREMENT mark (ids of pruned events never come
back); a downgrade deletes the ingestion events and restores the old constraints."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings
from tests.support.builders import Catalog

WHEN = datetime(2026, 12, 6, tzinfo=UTC)
INSERT = sa.text(
    "INSERT INTO events (occurred_at, kind, hotel_id, payload) VALUES (:at, :kind, :hotel, '{}')"
).bindparams(at=WHEN)
INSERT_OWNED = sa.text(
    "INSERT INTO events (occurred_at, kind, hotel_id, payload, owner) "
    "VALUES (:at, :kind, :hotel, '{}', :owner)"
).bindparams(at=WHEN)


async def insert(engine: AsyncEngine, statement: sa.TextClause, **values: object) -> None:
    async with engine.begin() as connection:
        await connection.execute(statement, values)


async def stored(engine: AsyncEngine) -> list[tuple[int, str, int | None]]:
    async with engine.connect() as connection:
        found = await connection.execute(
            sa.text("SELECT id, kind, hotel_id FROM events ORDER BY id")
        )
        return [tuple(row) for row in found.all()]


async def migrate(engine: AsyncEngine, settings: Settings, revision: str | None) -> None:
    await engine.dispose()  # the migration runs on its own connection (SQLite: one writer)
    if revision is None:
        await asyncio.to_thread(migrations.upgrade, settings)
    else:
        await asyncio.to_thread(migrations.downgrade, settings, revision)


async def test_migration_0016_lets_ingestion_events_in_and_takes_them_out_again(
    engine: AsyncEngine, settings: Settings
) -> None:
    await migrate(engine, settings, "0015")
    hotel = await Catalog(engine).hotel("Outbox Inn")
    for kind in ("reviews", "alert", "reviews"):
        await insert(engine, INSERT, kind=kind, hotel=hotel)
    async with engine.begin() as connection:
        await connection.execute(sa.text("DELETE FROM events WHERE id = 3"))  # pruned
    with pytest.raises(IntegrityError):
        await insert(engine, INSERT, kind="ingestion", hotel=hotel)

    await migrate(engine, settings, None)

    assert await stored(engine) == [(1, "reviews", hotel), (2, "alert", hotel)]
    await insert(engine, INSERT_OWNED, kind="ingestion", hotel=None, owner="user:7")
    # The pruned id 3 is not handed out again (PostgreSQL's sequence may have skipped more).
    ingestion_id, kind, no_hotel = (await stored(engine))[-1]
    assert (kind, no_hotel) == ("ingestion", None) and ingestion_id > 3
    for kind, hotel_id in (("ingestion", hotel), ("reviews", None), ("other", hotel)):
        with pytest.raises(IntegrityError):
            await insert(engine, INSERT, kind=kind, hotel=hotel_id)

    await migrate(engine, settings, "0015")

    assert await stored(engine) == [(1, "reviews", hotel), (2, "alert", hotel)]
    await insert(engine, INSERT, kind="reviews", hotel=hotel)
    assert (await stored(engine))[-1][0] > ingestion_id
    with pytest.raises(IntegrityError):
        await insert(engine, INSERT, kind="reviews", hotel=None)
    await migrate(engine, settings, None)
