"""Acceptance 4: logins, refreshes, key creation and a failed login leave no password, token,
key or secret in any log line or console output."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from hotelreviews.core.settings import Settings
from hotelreviews.security import service
from tests.support.api_client import api_client

PASSWORD = "a password nobody should read 7f3c"
WRONG_PASSWORD = "a wrong password nobody should read 91ab"
JWT_SECRET = "jwt-signing-secret-nobody-should-read-" + "q" * 16


async def test_no_secret_reaches_the_logs(
    settings: Settings, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings.model_copy(
        update={"jwt_secret": SecretStr(JWT_SECRET), "log_level": "DEBUG"}
    )
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [PASSWORD, WRONG_PASSWORD, JWT_SECRET]
    async with api_client(settings) as client:
        engine = client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]
        await service.create_user(
            engine=engine, username="ada", password=PASSWORD, roles=frozenset({"admin"})
        )
        failed = await client.post(
            "/api/v1/auth/login", json={"username": "ada", "password": WRONG_PASSWORD}
        )
        tokens = (
            await client.post("/api/v1/auth/login", json={"username": "ada", "password": PASSWORD})
        ).json()
        refreshed = (
            await client.post(
                "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
        ).json()
        key, secret = await service.create_api_key(
            engine=engine, name="loader", roles=frozenset({"ingest"})
        )
        me = await client.get("/api/v1/auth/me", headers={"X-API-Key": secret})
        reused = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        secrets += [
            tokens["access_token"],
            tokens["refresh_token"],
            refreshed["access_token"],
            refreshed["refresh_token"],
            secret,
            secret[len(key.prefix) :],  # the secret part of the key without its prefix
        ]
    assert failed.status_code == 401 and me.status_code == 200 and reused.status_code == 401
    captured = capsys.readouterr()
    output = caplog.text + captured.out + captured.err
    # The events were logged (this test would pass trivially on silence).
    assert "failed login" in output and "logged in" in output and "API key" in output
    for value in secrets:
        assert value not in output
        # Nor its signature or a large piece of it.
        assert value[-20:] not in output
