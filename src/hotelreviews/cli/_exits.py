"""How a command ends when the database refuses it: one line on stderr, exit code 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import exc as sa_exc

from hotelreviews.core import migrations

DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, ConnectionError)


@contextmanager
def exit_on_database_errors(
    *, then: str | None = None, refusals: tuple[type[Exception], ...] = ()
) -> Iterator[None]:
    """An outdated schema or one of `refusals`: its message. The database unreachable: says
    so, its cause, and `then` (what to do next)."""
    try:
        yield
    except (migrations.SchemaOutdated, *refusals) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    except DATABASE_UNAVAILABLE as error:
        cause = getattr(error, "orig", None) or error
        advice = f"; {then}" if then else ""
        typer.echo(f"error: the database is unavailable ({cause}){advice}", err=True)
        raise typer.Exit(code=2) from None
