"""Migration 0015 on both backends: `review_lsh_buckets` loses its review_id index and its
foreign key (on SQLite it becomes WITHOUT ROWID), keeping its rows, and a downgrade puts the
index and the key back, still with the rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings
from hotelreviews.intelligence.duplicates.tables import review_lsh_buckets
from tests.support.builders import Catalog

TABLE = "review_lsh_buckets"


async def stored_rows(engine: AsyncEngine) -> set[tuple[int, int, int]]:
    async with engine.connect() as connection:
        found = await connection.execute(sa.select(review_lsh_buckets))
        return {tuple(row) for row in found.all()}


async def shape(engine: AsyncEngine) -> dict[str, Any]:
    """The table's indexes, foreign keys and (SQLite) whether it has a rowid."""

    def inspect(sync: Any) -> dict[str, Any]:
        inspector = sa.inspect(sync)
        found = {
            "indexes": {index["name"] for index in inspector.get_indexes(TABLE)},
            "foreign_keys": [key["referred_table"] for key in inspector.get_foreign_keys(TABLE)],
            "primary_key": inspector.get_pk_constraint(TABLE)["constrained_columns"],
        }
        if sync.dialect.name == "sqlite":
            sql = sync.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
            ).scalar_one()
            found["without_rowid"] = "WITHOUT ROWID" in sql.upper()
        return found

    async with engine.connect() as connection:
        return await connection.run_sync(inspect)


async def test_migration_0015_drops_the_review_index_and_key_and_keeps_the_buckets(
    engine: AsyncEngine, settings: Settings
) -> None:
    await asyncio.to_thread(migrations.downgrade, settings, "0014")
    catalog = Catalog(engine)
    hotel = await catalog.hotel("Bucket Inn")
    provider = await catalog.provider("Booking.com", key="booking")
    when = datetime(2025, 3, 14, tzinfo=UTC)
    ids = [await catalog.review(hotel, provider, rating=8.0, review_date=when) for _ in "ab"]
    rows = {(-(2**62), 0, ids[0]), (7, 3, ids[0]), (7, 3, ids[1]), (2**62, 24, ids[1])}
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(review_lsh_buckets),
            [dict(zip(("bucket", "band", "review_id"), row, strict=True)) for row in rows],
        )
    before = await shape(engine)
    await engine.dispose()  # the migration runs on its own connection (SQLite: one writer)

    await asyncio.to_thread(migrations.upgrade, settings)

    after = await shape(engine)
    assert "ix_review_lsh_buckets_review_id" in before["indexes"]
    assert before["foreign_keys"] == ["reviews"]
    assert after["indexes"] == set() and after["foreign_keys"] == []
    assert after["primary_key"] == ["bucket", "band", "review_id"]
    if engine.dialect.name == "sqlite":
        assert (before["without_rowid"], after["without_rowid"]) == (False, True)
    assert await stored_rows(engine) == rows

    await engine.dispose()
    await asyncio.to_thread(migrations.downgrade, settings, "0014")

    assert await shape(engine) == before
    assert await stored_rows(engine) == rows
