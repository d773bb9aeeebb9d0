"""`hotelreviews keys create|list|revoke`: API keys for services and scripts."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Annotated

import orjson
import typer

from hotelreviews.cli._identity_db import roles_option, run
from hotelreviews.core.clock import utcnow
from hotelreviews.security import service
from hotelreviews.security.roles import dump_roles

keys_app = typer.Typer(no_args_is_help=True)


@keys_app.command(help="Create an API key and print it: it is shown this once, stored hashed.")
def create(
    name: Annotated[str, typer.Argument(help="Who or what uses it, e.g. 'nightly loader'.")],
    role: Annotated[
        list[str],
        typer.Option("--role", "-r", help="admin, manager, analyst or ingest; repeatable."),
    ],
    expires_in_days: Annotated[
        int | None,
        typer.Option(
            min=1, max=3650, metavar="DAYS", help="Expire after this many days, 1 to 3650."
        ),
    ] = None,
) -> None:
    roles = roles_option(role)
    expires_at = None if expires_in_days is None else utcnow() + timedelta(days=expires_in_days)
    key, secret = run(
        lambda engine: service.create_api_key(
            engine=engine, name=name, roles=roles, expires_at=expires_at
        )
    )
    typer.echo(
        f"API key {key.id} ({key.prefix}…) created, roles: {dump_roles(key.roles)}", err=True
    )
    typer.echo("Store it now; it cannot be shown again. Send it as the X-API-Key header.", err=True)
    # The key alone on stdout, so that scripts can capture it.
    sys.stdout.write(secret + "\n")


@keys_app.command("list", help="List API keys (never their secrets) and when each was last used.")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    keys = run(lambda engine: service.list_api_keys(engine=engine))
    rows = [
        {
            "id": k.id,
            "prefix": k.prefix,
            "name": k.name,
            "roles": sorted(k.roles),
            "created_at": k.created_at.isoformat(),
            "expires_at": k.expires_at.isoformat() if k.expires_at else None,
            "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
            "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
        }
        for k in keys
    ]
    if as_json:
        sys.stdout.write(orjson.dumps(rows).decode() + "\n")
        return
    for row in rows:
        state = "revoked" if row["revoked_at"] else "active"
        typer.echo(
            f"{row['id']}\t{row['prefix']}…\t{row['name']}\t{' '.join(row['roles'])}\t{state}"
            f"\tlast used: {row['last_used_at'] or 'never'}"
        )


@keys_app.command(help="Revoke an API key by its id: it stops working at once.")
def revoke(key_id: int) -> None:
    run(lambda engine: service.revoke_api_key(engine=engine, key_id=key_id))
    typer.echo(f"API key {key_id} revoked")
