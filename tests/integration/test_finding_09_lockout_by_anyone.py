"""Finding 9: anyone could lock any user out by failing five logins with their name.

Failures now count per (user name, client address): a stranger's failures lock the name out
from the stranger's address only. Across all addresses, a name-wide throttle still slows
distributed guessing, with short waits rather than a lockout. Client addresses are set on the
in-process ASGI transport (loopback addresses: nothing is sent anywhere).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hotelreviews.app.factory import create_app
from hotelreviews.core.settings import Settings
from hotelreviews.security import service
from tests.support.api_client import TEST_HOST

PASSWORD = "correct horse battery staple"
WRONG = "not the password at all"
LOGIN = "/api/v1/auth/login"
OWNER_ADDRESS = "127.0.0.3"
DEADLINE_SECONDS = 30.0


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """The app with user ada, and a way to get a client coming from a given address."""
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        await service.create_user(
            engine=app.state.router.primary.engine,
            username="ada",
            password=PASSWORD,
            roles=frozenset(),
        )
        clients: list[httpx.AsyncClient] = []

        def from_address(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            client = httpx.AsyncClient(transport=transport, base_url=f"http://{TEST_HOST}")
            clients.append(client)
            return client

        try:
            yield from_address
        finally:
            for client in clients:
                await client.aclose()


def throttled(settings: Settings, **update: Any) -> Settings:
    # The per-address rate limit on logins (protection/) would answer 429 before the lockout.
    return settings.model_copy(update={"rate_limit_enabled": False, **update})


async def login(client: httpx.AsyncClient, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"username": "ada", "password": password})


async def test_a_stranger_failing_from_another_address_does_not_lock_the_owner_out_from_theirs(
    settings: Settings,
) -> None:
    # Backoff off: the stranger reaches the lockout threshold (5) without waiting.
    async with running_app(throttled(settings, login_backoff_base_seconds=0.0)) as client_from:
        stranger, owner = client_from("127.0.0.2"), client_from(OWNER_ADDRESS)
        for _ in range(5):
            assert (await login(stranger, WRONG)).status_code == 401
        locked = await login(stranger, PASSWORD)
        assert locked.status_code == 429 and locked.json()["code"] == "login_locked"

        response = await login(owner, PASSWORD)

        assert response.status_code == 200, response.text
        assert "access_token" in response.json()
        # The stranger is still locked out from where the guesses came from.
        again = await login(stranger, PASSWORD)
        assert again.status_code == 429 and again.json()["code"] == "login_locked"


async def test_an_owners_success_does_not_unlock_the_strangers_address(
    settings: Settings,
) -> None:
    async with running_app(throttled(settings, login_backoff_base_seconds=0.0)) as client_from:
        stranger, owner = client_from("127.0.0.2"), client_from(OWNER_ADDRESS)
        for _ in range(5):
            assert (await login(stranger, WRONG)).status_code == 401
        assert (await login(owner, PASSWORD)).status_code == 200

        after = await login(stranger, PASSWORD)

        assert after.status_code == 429 and after.json()["code"] == "login_locked"


async def test_guessing_one_name_from_many_addresses_is_still_throttled_without_locking_out(
    settings: Settings,
) -> None:
    free = 10
    guarded = throttled(settings, login_name_throttle_free_failures=free)
    async with running_app(guarded) as client_from:
        # One wrong guess from each of many addresses: no address ever reaches its own limits.
        failures, refused = 0, None
        for number in range(1, 3 * free):
            response = await login(client_from(f"127.0.1.{number}"), WRONG)
            if response.status_code == 429:
                refused = response
                break
            assert response.status_code == 401, response.text
            failures += 1
        assert refused is not None, "guessing from many addresses was never slowed down"
        assert failures > free  # the free failures were free
        assert refused.json()["code"] == "login_backoff"
        assert int(refused.headers["retry-after"]) >= 1

        # The owner shares the wait — a short one, never a lockout — then gets in.
        owner = client_from(OWNER_ADDRESS)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while (response := await login(owner, PASSWORD)).status_code == 429:
            assert response.json()["code"] == "login_backoff", response.text
            assert time.monotonic() < deadline, "the owner never got in"
            await asyncio.sleep(0.05)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("address", ["127.0.0.2", OWNER_ADDRESS])
async def test_repeated_failures_from_one_address_still_lock_that_address(
    settings: Settings, address: str
) -> None:
    async with running_app(throttled(settings, login_backoff_base_seconds=0.0)) as client_from:
        client = client_from(address)
        for _ in range(5):
            assert (await login(client, WRONG)).status_code == 401

        locked = await login(client, PASSWORD)  # even the right password

        assert locked.status_code == 429 and locked.json()["code"] == "login_locked"
