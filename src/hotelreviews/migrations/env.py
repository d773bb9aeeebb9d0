"""Alembic environment: runs our migrations on the async engine of the configured database."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from hotelreviews.app.schema import metadata
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    settings = config.attributes.get("settings") or Settings()
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run them online")
asyncio.run(_run_online())
