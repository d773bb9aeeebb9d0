"""`hotelreviews migrate [upgrade|downgrade|current]`.

`hotelreviews migrate` alone upgrades to the latest revision, as Django's `migrate` does: that is
what a newcomer (and a deploy script) means by it. The subcommands stay for the other cases.
"""

import asyncio
from collections.abc import Callable

import typer

from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings, get_settings

migrate_app = typer.Typer(invoke_without_command=True, subcommand_metavar="[COMMAND] [ARGS]...")


@migrate_app.callback()
def upgrade_by_default(context: typer.Context) -> None:
    """Without a subcommand, upgrade the schema to the latest revision."""
    if context.invoked_subcommand is None:
        upgrade("head")


@migrate_app.command(help="Upgrade the schema (to the latest revision by default).")
def upgrade(revision: str = typer.Argument("head")) -> None:
    _move(migrations.upgrade, revision, "upgraded")


@migrate_app.command(help="Downgrade the schema to REVISION ('base' empties the database).")
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. 'base' or '-1'."),
) -> None:
    _move(migrations.downgrade, revision, "downgraded")


def _move(step: Callable[[Settings, str], None], revision: str, moved: str) -> None:
    """Run one migration step and say what it did; "upgraded" only when the revision changed
    (`make run` upgrades on every start)."""
    settings = get_settings()
    before = _revision_now(settings)
    step(settings, revision)
    after = _revision_now(settings)
    if after == before:
        typer.echo(f"database schema already at {revision} (revision {after or 'none'})")
    else:
        change = f"revision {before or 'none'} → {after or 'none'}"
        typer.echo(f"database schema {moved} to {revision} ({change})")


@migrate_app.command(help="Show the schema's current revision and the latest one.")
def current() -> None:
    settings = get_settings()
    typer.echo(f"current: {_revision_now(settings) or 'none'}")
    typer.echo(f"latest:  {migrations.head_revision(settings)}")


def _revision_now(settings: Settings) -> str | None:
    """The database's schema revision (None: an empty database)."""

    async def read() -> str | None:
        engine = create_engine(settings)
        try:
            return await migrations.current_revision(engine)
        finally:
            await engine.dispose()

    return asyncio.run(read())
