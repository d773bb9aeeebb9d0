"""`hotelreviews migrate [upgrade|downgrade|current]`.

`hotelreviews migrate` alone upgrades to the latest revision, as Django's `migrate` does: that is
what a newcomer (and a deploy script) means by it. The subcommands stay for the other cases.
"""

import asyncio

import typer

from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import get_settings

migrate_app = typer.Typer(invoke_without_command=True, subcommand_metavar="[COMMAND] [ARGS]...")


@migrate_app.callback()
def upgrade_by_default(context: typer.Context) -> None:
    """Without a subcommand, upgrade the schema to the latest revision."""
    if context.invoked_subcommand is None:
        upgrade("head")


@migrate_app.command(help="Upgrade the schema (to the latest revision by default).")
def upgrade(revision: str = typer.Argument("head")) -> None:
    migrations.upgrade(get_settings(), revision)
    typer.echo(f"database schema upgraded to {revision}")


@migrate_app.command(help="Downgrade the schema to REVISION ('base' empties the database).")
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. 'base' or '-1'."),
) -> None:
    migrations.downgrade(get_settings(), revision)
    typer.echo(f"database schema downgraded to {revision}")


@migrate_app.command(help="Show the schema's current revision and the latest one.")
def current() -> None:
    settings = get_settings()

    async def read() -> str | None:
        engine = create_engine(settings)
        try:
            return await migrations.current_revision(engine)
        finally:
            await engine.dispose()

    typer.echo(f"current: {asyncio.run(read()) or 'none'}")
    typer.echo(f"latest:  {migrations.head_revision(settings)}")
