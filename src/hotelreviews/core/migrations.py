"""Schema migrations as a service: upgrade, downgrade, inspect (used by the CLI and `serve`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class SchemaOutdated(RuntimeError):
    """The database schema is not at the revision this code needs."""


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def head_revision(settings: Settings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def ensure_schema_current(engine: AsyncEngine, settings: Settings) -> None:
    """Raise SchemaOutdated with the command that fixes it when the schema is not at head."""
    current, head = await current_revision(engine), head_revision(settings)
    if current != head:
        raise SchemaOutdated(
            f"database schema is at revision {current or 'none (empty database)'}, "
            f"this version needs {head}: run `hotelreviews migrate upgrade` first"
        )
