"""`hotelreviews users …` and `keys …` leave audit events naming the CLI and the OS user."""

from __future__ import annotations

import getpass

from hotelreviews.core.settings import Settings
from tests.e2e.test_cli_identities import _run
from tests.support.api_client import api_client, api_key_headers

PASSWORD = "a long enough password"


async def test_the_cli_s_identity_actions_are_recorded_as_cli_and_the_os_user(
    settings: Settings,
) -> None:
    commands = [
        ("users", "create", "ada", "-r", "analyst", "--password-stdin"),
        ("users", "set-roles", "ada", "-r", "ingest"),
        ("users", "disable", "ada"),
        ("keys", "create", "nightly loader", "-r", "ingest"),
        ("keys", "revoke", "1"),
    ]
    secrets = []
    for command in commands:
        done = _run(settings, *command, stdin=PASSWORD if "--password-stdin" in command else None)
        assert done.returncode == 0, done.stderr
        if command[:2] == ("keys", "create"):
            secrets.append(done.stdout.strip())

    async with api_client(settings) as client:
        admin = await api_key_headers(client, "admin")
        response = await client.get("/api/v1/audit-events", params={"actor": "cli"}, headers=admin)
    assert response.status_code == 200, response.text
    events = list(reversed(response.json()["items"]))
    assert [e["action"] for e in events] == [
        "user.create",
        "user.set_roles",
        "user.disable",
        "key.create",
        "key.revoke",
    ]
    for event in events:
        assert event["actor"] == {"kind": "cli", "id": None, "label": getpass.getuser()}
        assert (event["client_address"], event["outcome"]) == ("cli", "success")
    assert events[0]["target"]["kind"] == "user" and events[3]["target"] == {
        "kind": "key",
        "id": "1",
    }
    assert PASSWORD not in response.text and secrets[0] not in response.text
