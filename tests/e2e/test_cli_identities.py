"""`hotelreviews users …` and `hotelreviews keys …` as an operator runs them, on both backends,
checked against the API the identities they make are used with."""

from __future__ import annotations

import subprocess

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.audit.tables import audit_events
from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client
from tests.support.builders import Catalog
from tests.support.cli import run_cli

PASSWORD = "a long enough password"


def _run(settings: Settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_cli(settings, *args, stdin=stdin, text=True)


async def test_a_user_made_on_the_command_line_logs_in_with_its_roles(settings: Settings) -> None:
    created = _run(
        settings, "users", "create", "Ada", "-r", "analyst", "--password-stdin", stdin=PASSWORD
    )
    assert created.returncode == 0, created.stderr
    assert "user ada created" in created.stdout and PASSWORD not in created.stdout

    changed = _run(settings, "users", "set-roles", "ada", "-r", "manager,ingest")
    assert changed.returncode == 0, changed.stderr
    listed = orjson.loads(_run(settings, "users", "list", "--json").stdout)
    assert [(u["username"], u["roles"], u["disabled"]) for u in listed] == [
        ("ada", ["ingest", "manager"], False)
    ]
    async with api_client(settings) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": "ada", "password": PASSWORD}
        )
        assert login.status_code == 200
        me = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        )
        assert me.json()["roles"] == ["ingest", "manager"]

        assert _run(settings, "users", "disable", "ada").returncode == 0
        refused = await client.post(
            "/api/v1/auth/login", json={"username": "ada", "password": PASSWORD}
        )
        assert refused.status_code == 401


def test_bad_input_is_one_clear_line_and_exit_2(settings: Settings) -> None:
    unknown_role = _run(settings, "users", "create", "bob", "-r", "root", "--password-stdin")
    short = _run(settings, "users", "create", "bob", "--password-stdin", stdin="short")
    twice = [
        _run(settings, "users", "create", "carol", "--password-stdin", stdin=PASSWORD)
        for _ in range(2)
    ]
    missing = _run(settings, "users", "disable", "nobody")

    assert unknown_role.returncode == 2 and "unknown role(s) root" in unknown_role.stderr
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    assert twice[0].returncode == 0 and twice[1].returncode == 2
    assert "already exists" in twice[1].stderr
    assert missing.returncode == 2 and "no user nobody" in missing.stderr
    for run in (unknown_role, short, twice[1], missing):
        assert "Traceback" not in run.stderr


async def test_a_key_is_shown_once_works_until_revoked_and_records_its_use(
    settings: Settings,
) -> None:
    created = _run(settings, "keys", "create", "nightly loader", "-r", "ingest")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("hr_") and "shown again" in created.stderr

    async with api_client(settings) as client:
        used = await client.get("/api/v1/ingestions", headers={"X-API-Key": secret})
        assert used.status_code == 200
        [key] = orjson.loads(_run(settings, "keys", "list", "--json").stdout)
        assert key["name"] == "nightly loader" and key["roles"] == ["ingest"]
        assert key["last_used_at"] is not None and key["revoked_at"] is None
        assert secret not in _run(settings, "keys", "list").stdout

        revoked = _run(settings, "keys", "revoke", str(key["id"]))
        assert revoked.returncode == 0, revoked.stderr
        after = await client.get("/api/v1/ingestions", headers={"X-API-Key": secret})
        assert after.status_code == 401
    again = _run(settings, "keys", "revoke", str(key["id"]))
    assert again.returncode == 2 and "no active API key" in again.stderr


async def test_a_manager_is_given_hotels_at_creation_and_later_and_the_api_sees_them(
    settings: Settings, engine: AsyncEngine
) -> None:
    catalog = Catalog(engine)
    harbour = await catalog.hotel("Harbour")
    marina = await catalog.hotel("Marina")
    created = _run(
        settings,
        "users",
        "create",
        "mia",
        "-r",
        "manager",
        "--hotel",
        str(harbour),
        "--password-stdin",
        stdin=PASSWORD,
    )
    added = _run(settings, "users", "hotels", "add", "mia", str(marina))
    listed = _run(settings, "users", "hotels", "list", "mia")
    removed = _run(settings, "users", "hotels", "remove", "mia", str(harbour))
    # Taking away a hotel the user no longer has changes nothing, and audits nothing.
    again = _run(settings, "users", "hotels", "remove", "mia", str(harbour))

    assert created.returncode == 0, created.stderr
    assert f"hotels: {harbour}" in created.stdout
    assert added.stdout.strip() == f"user mia manages hotels: {harbour}, {marina}"
    assert listed.stdout.split() == [str(harbour), str(marina)]
    assert removed.stdout.strip() == f"user mia manages hotels: {marina}"
    assert again.stdout.strip() == f"user mia manages hotels: {marina}"
    async with engine.connect() as connection:
        audited = await connection.execute(
            sa.select(audit_events.c.action, audit_events.c.details)
            .where(audit_events.c.action.like("user.hotels_%"))
            .order_by(audit_events.c.id)
        )
        assert [(action, details["hotel_ids"]) for action, details in audited] == [
            ("user.hotels_add", [marina]),
            ("user.hotels_remove", [harbour]),
        ]
    async with api_client(settings) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": "mia", "password": PASSWORD}
        )
        me = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        )
        assert (me.json()["hotel_ids"], me.json()["every_hotel"]) == ([marina], False)


def test_an_unknown_hotel_or_user_is_one_clear_line_and_creates_nothing(
    settings: Settings,
) -> None:
    unknown_hotel = _run(
        settings, "users", "create", "nia", "--hotel", "987654", "--password-stdin", stdin=PASSWORD
    )
    unknown_user = _run(settings, "users", "hotels", "add", "nobody", "1")
    not_an_id = _run(settings, "users", "hotels", "add", "nia", "0")

    assert unknown_hotel.returncode == 2 and "no hotel 987654" in unknown_hotel.stderr
    assert orjson.loads(_run(settings, "users", "list", "--json").stdout) == []
    assert unknown_user.returncode == 2 and "no user nobody" in unknown_user.stderr
    assert not_an_id.returncode == 2
    for run in (unknown_hotel, unknown_user, not_an_id):
        assert "Traceback" not in run.stderr
