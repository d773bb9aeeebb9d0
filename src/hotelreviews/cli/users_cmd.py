"""`hotelreviews users create|list|disable|enable|set-roles`, and `users hotels add|remove|list`
(the hotels a manager manages: security.hotel_scope)."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer

from hotelreviews.cli._identity_db import roles_option, run
from hotelreviews.core.settings import get_settings
from hotelreviews.security import service, user_hotels
from hotelreviews.security.roles import dump_roles
from hotelreviews.security.token_versions import Publisher

users_app = typer.Typer(no_args_is_help=True)
hotels_app = typer.Typer(
    no_args_is_help=True,
    help="The hotels a user manages: a manager sees and changes their alerts only.",
)
users_app.add_typer(hotels_app, name="hotels")

Roles = Annotated[
    list[str],
    typer.Option(
        "--role",
        "-r",
        help="admin, manager, analyst or ingest; repeat (or separate by commas) for several.",
    ),
]
HotelIds = Annotated[
    list[int], typer.Argument(min=1, metavar="HOTEL_ID...", help="Hotel ids.", show_default=False)
]


@users_app.command(
    help="Create a user. The password is asked for twice on a terminal; when stdin is not a "
    "terminal (a pipe, a file), its first line is the password."
)
def create(
    username: str,
    role: Roles = [],  # noqa: B006 (Typer reads the default, never mutates it)
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from stdin's first line, even from a terminal.",
        ),
    ] = False,
    hotel: Annotated[
        list[int],
        typer.Option(
            "--hotel",
            min=1,
            metavar="HOTEL_ID",
            help="A hotel (id) the user manages; repeat for several. A manager without "
            "the analyst or admin role sees and changes the alerts of these hotels only.",
        ),
    ] = [],  # noqa: B006
) -> None:
    roles = roles_option(role)
    # Not a terminal: getpass would warn and echo it; a piped password needs no confirming.
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = run(
        lambda engine: service.create_user(
            engine=engine, username=username, password=password, roles=roles, hotel_ids=hotel
        )
    )
    managed = f", hotels: {_hotels(sorted(set(hotel)))}" if hotel else ""
    typer.echo(f"user {user.username} created (id {user.id}, roles: {_roles(user.roles)}{managed})")


@users_app.command("list", help="List users, their roles and whether they are disabled.")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    users = run(lambda engine: service.list_users(engine=engine))
    if as_json:
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "roles": sorted(u.roles),
                "disabled": u.disabled,
                "created_at": u.created_at.isoformat(),
            }
            for u in users
        ]
        sys.stdout.write(orjson.dumps(rows).decode() + "\n")
        return
    for u in users:
        state = "disabled" if u.disabled else "active"
        typer.echo(f"{u.id}\t{u.username}\t{_roles(u.roles)}\t{state}")


@users_app.command(help="Disable a user: no login, and every session of theirs ends.")
def disable(username: str) -> None:
    user = run(
        lambda engine: service.set_disabled(
            engine=engine, username=username, disabled=True, announcer=_api_processes()
        )
    )
    typer.echo(f"user {user.username} disabled")


@users_app.command(help="Enable a disabled user again.")
def enable(username: str) -> None:
    user = run(
        lambda engine: service.set_disabled(engine=engine, username=username, disabled=False)
    )
    typer.echo(f"user {user.username} enabled")


@users_app.command(
    "set-roles",
    help="Replace a user's roles: added ones count from their next refresh, removed ones at once.",
)
def set_roles(username: str, role: Roles = []) -> None:  # noqa: B006
    roles = roles_option(role)
    user = run(
        lambda engine: service.set_roles(
            engine=engine, username=username, roles=roles, announcer=_api_processes()
        )
    )
    typer.echo(f"user {user.username} now has roles: {_roles(user.roles)}")


@hotels_app.command("add", help="Let the user manage these hotels too.")
def hotels_add(username: str, hotel_ids: HotelIds) -> None:
    hotels = run(
        lambda engine: user_hotels.add_hotels(engine=engine, username=username, hotel_ids=hotel_ids)
    )
    typer.echo(f"user {username.strip().lower()} manages hotels: {_hotels(hotels)}")


@hotels_app.command(
    "remove", help="Take hotels away from the user: their alerts are hidden from the next request."
)
def hotels_remove(username: str, hotel_ids: HotelIds) -> None:
    hotels = run(
        lambda engine: user_hotels.remove_hotels(
            engine=engine, username=username, hotel_ids=hotel_ids
        )
    )
    typer.echo(f"user {username.strip().lower()} manages hotels: {_hotels(hotels)}")


@hotels_app.command("list", help="The hotels the user manages, one id a line.")
def hotels_list(username: str) -> None:
    hotels = run(lambda engine: user_hotels.hotels_of_user(engine=engine, username=username))
    for hotel_id in hotels:
        typer.echo(str(hotel_id))


def _hotels(hotel_ids: list[int]) -> str:
    return ", ".join(map(str, hotel_ids)) or "(none)"


def _api_processes() -> Publisher:
    """Revocations go to the API processes over Redis when configured; without it they
    notice within HOTELREVIEWS_TOKEN_VERSION_CACHE_SECONDS."""
    return Publisher(get_settings())


def _roles(roles: frozenset[str]) -> str:
    return dump_roles(roles) or "(none)"
