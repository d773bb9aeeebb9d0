"""Run an identity use case from the CLI: settings, the (migrated) database, clear errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.audit.context import cli_context
from hotelreviews.cli._exits import exit_on_database_errors
from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import get_settings
from hotelreviews.security.roles import parse_roles
from hotelreviews.security.service import IdentityError

T = TypeVar("T")


def run(use_case: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `use_case(engine)`; exit 2 with one line on stderr when it cannot be done."""
    try:
        settings = get_settings()
    except ValidationError as error:
        for problem in error.errors():
            typer.echo(f"error: configuration: {problem['msg']}", err=True)
        raise typer.Exit(code=2) from None

    async def main() -> T:
        if settings.is_embedded:
            await asyncio.to_thread(migrations.upgrade, settings)
        engine = create_engine(settings)
        try:
            await migrations.ensure_schema_current(engine, settings)
            with cli_context():  # audit events of this command: `cli` and the OS user
                return await use_case(engine)
        finally:
            await engine.dispose()

    with exit_on_database_errors(refusals=(IdentityError,)):
        return asyncio.run(main())


def roles_option(values: list[str]) -> frozenset[str]:
    try:
        return parse_roles(values)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
