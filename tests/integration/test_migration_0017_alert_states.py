"""Migration 0017 on both backends: the alerts stored before it become open, the status column
refuses a state that is not one, `user_hotels` appears; a downgrade takes both away again,
keeping the alerts."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings
from tests.support.builders import Catalog

BEFORE = "0016"


async def _columns(engine: AsyncEngine) -> dict[str, Any]:
    def inspect(sync: Any) -> dict[str, Any]:
        inspector = sa.inspect(sync)
        return {
            "alerts": {column["name"] for column in inspector.get_columns("alerts")},
            "tables": set(inspector.get_table_names()),
        }

    async with engine.connect() as connection:
        return await connection.run_sync(inspect)


async def test_migration_0017_opens_the_stored_alerts_and_goes_back_keeping_them(
    engine: AsyncEngine, settings: Settings
) -> None:
    await asyncio.to_thread(migrations.downgrade, settings, BEFORE)
    hotel = await Catalog(engine).hotel("State Inn")
    async with engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO alerts (alert_key, hotel_id, kind, onset, detected_at, severity, "
                "message, evidence) VALUES ('k1', :hotel, 'rating_drop', :onset, :at, 1.5, "
                "'The mean rating fell', '{}')"
            ),
            {"hotel": hotel, "onset": date(2026, 11, 2), "at": datetime(2026, 11, 3, tzinfo=UTC)},
        )
    before = await _columns(engine)
    await engine.dispose()  # the migration runs on its own connection (SQLite: one writer)

    await asyncio.to_thread(migrations.upgrade, settings)

    after = await _columns(engine)
    assert "status" not in before["alerts"] and "user_hotels" not in before["tables"]
    assert {"status", "status_changed_at", "status_changed_by", "status_note"} <= after["alerts"]
    assert "user_hotels" in after["tables"]
    async with engine.connect() as connection:
        status = await connection.execute(sa.text("SELECT status FROM alerts WHERE alert_key='k1'"))
        assert status.scalar_one() == "open"
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(sa.text("UPDATE alerts SET status = 'closed'"))

    await engine.dispose()
    await asyncio.to_thread(migrations.downgrade, settings, BEFORE)

    assert await _columns(engine) == before
    async with engine.connect() as connection:
        kept = await connection.execute(sa.text("SELECT alert_key FROM alerts"))
        assert kept.scalars().all() == ["k1"]
    await engine.dispose()
    await asyncio.to_thread(migrations.upgrade, settings)
