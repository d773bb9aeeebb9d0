"""Finding 10: access tokens outlived logout, a disabled user and a removed role.

Access tokens carry the user's token version; logout, disabling, a role removal and a refresh
token's reuse bump it, and every API instance refuses older tokens: at once where it
happened, within a moment elsewhere over Redis, and without Redis once its cached version
expires (HOTELREVIEWS_TOKEN_VERSION_CACHE_SECONDS). Polls have generous deadlines and assert
no duration: a cached version living longer than the deadline is what would fail them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from pydantic import SecretStr

from hotelreviews.core.settings import Settings
from hotelreviews.security import service
from tests.support.api_client import api_client, recorded_statements
from tests.support.cli import run_cli
from tests.support.redis_server import RedisServer

PASSWORD = "correct horse battery staple"
LOGIN, REFRESH, LOGOUT, ME = (
    f"/api/v1/auth/{name}" for name in ("login", "refresh", "logout", "me")
)
INGESTIONS = "/api/v1/ingestions"
DEADLINE_SECONDS = 30.0
# Longer than any deadline here: a refusal seen in time came from Redis, not from expiry.
NEVER_EXPIRES = 3600.0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def engine_of(client: httpx.AsyncClient) -> object:
    return client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]


def cli(settings: Settings, *args: str) -> None:
    """`hotelreviews ARGS` in a process of its own, as an operator runs it."""
    done = run_cli(settings, *args, text=True)
    assert done.returncode == 0, done.stderr


def token_versions_of(client: httpx.AsyncClient) -> object:
    return client._transport.app.state.token_versions  # type: ignore[attr-defined]


@asynccontextmanager
async def instances(settings: Settings, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` API instances on one database (user ada: admin and analyst)."""
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(api_client(settings)) for _ in range(count)]
        await service.create_user(
            engine=engine_of(clients[0]),
            username="ada",
            password=PASSWORD,
            roles=frozenset({"admin", "analyst"}),
        )
        yield clients


async def login(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(LOGIN, json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


async def refused_eventually(
    client: httpx.AsyncClient, token: str, url: str = ME
) -> httpx.Response:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (response := await client.get(url, headers=bearer(token))).status_code == 200:
        assert time.monotonic() < deadline, "the revoked access token is still accepted"
        await asyncio.sleep(0.05)
    return response


def assert_revoked(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "invalid_token"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_after_logout_the_access_token_is_refused_at_once(settings: Settings) -> None:
    async with instances(settings, 1) as [client]:
        tokens = await login(client)
        assert (await client.get(ME, headers=bearer(tokens["access_token"]))).status_code == 200

        done = await client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})

        assert done.status_code == 204
        assert_revoked(await client.get(ME, headers=bearer(tokens["access_token"])))


async def test_after_a_refresh_token_is_reused_every_access_token_of_the_user_is_refused(
    settings: Settings,
) -> None:
    async with instances(settings, 1) as [client]:
        first = await login(client)
        rotated = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
        assert rotated.status_code == 200
        current = rotated.json()["access_token"]
        assert (await client.get(ME, headers=bearer(current))).status_code == 200

        reuse = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})

        assert reuse.status_code == 401
        assert_revoked(await client.get(ME, headers=bearer(current)))
        assert_revoked(await client.get(ME, headers=bearer(first["access_token"])))


async def test_a_disabled_users_access_token_is_refused_within_the_staleness_bound(
    settings: Settings,
) -> None:
    async with instances(settings, 1) as [client]:
        token = (await login(client))["access_token"]
        assert (await client.get(ME, headers=bearer(token))).status_code == 200

        # Another process, and no Redis configured: only the cached version's expiry tells.
        cli(settings, "users", "disable", "ada")

        assert_revoked(await refused_eventually(client, token))


async def test_an_access_token_carrying_a_removed_role_is_refused_and_a_refresh_gets_a_new_one(
    settings: Settings,
) -> None:
    async with instances(settings, 1) as [client]:
        tokens = await login(client)
        audit = "/api/v1/audit-events"  # admin only
        assert (await client.get(audit, headers=bearer(tokens["access_token"]))).status_code == 200

        cli(settings, "users", "set-roles", "ada", "-r", "analyst")

        assert_revoked(await refused_eventually(client, tokens["access_token"], audit))
        # The session goes on with the roles the user has now.
        renewed = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
        assert renewed.status_code == 200
        access = renewed.json()["access_token"]
        assert (await client.get(audit, headers=bearer(access))).status_code == 403
        assert (await client.get(INGESTIONS, headers=bearer(access))).status_code == 200


async def test_adding_a_role_does_not_refuse_the_tokens_the_user_holds(settings: Settings) -> None:
    async with instances(settings, 1) as [client]:
        token = (await login(client))["access_token"]
        cli(settings, "users", "set-roles", "ada", "-r", "admin,analyst,ingest")
        # Past the staleness bound (1 s by default): a revocation would show by now.
        await asyncio.sleep(2.0)

        assert (await client.get(ME, headers=bearer(token))).status_code == 200


async def test_without_redis_another_instance_refuses_a_logged_out_token_after_the_bound(
    settings: Settings,
) -> None:
    async with instances(settings, 2) as [first, second]:
        tokens = await login(first)
        assert (await second.get(ME, headers=bearer(tokens["access_token"]))).status_code == 200

        await first.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})

        assert_revoked(await refused_eventually(second, tokens["access_token"]))


@pytest.fixture
def redis_settings(settings: Settings, redis_server: RedisServer) -> Settings:
    """Redis shared by the instances (under a key prefix, and so a channel, of the test's
    own); cached token versions that outlive every deadline here."""
    return settings.model_copy(
        update={
            "redis_url": SecretStr(redis_server.url),
            "redis_key_prefix": f"test-{uuid.uuid4().hex[:12]}:",
            "token_version_cache_seconds": NEVER_EXPIRES,
        }
    )


async def subscribed(clients: list[httpx.AsyncClient]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not all(token_versions_of(c).stats.subscribed for c in clients):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "an instance never subscribed"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize(
    "revoke",
    ["logout on the first instance", "disabled from the command line"],
)
async def test_with_redis_another_instance_refuses_the_token_within_a_moment(
    redis_settings: Settings, revoke: str
) -> None:
    async with instances(redis_settings, 2) as [first, second]:
        await subscribed([first, second])
        tokens = await login(first)
        # Both instances have the current version cached (for an hour).
        for client in (first, second):
            assert (await client.get(ME, headers=bearer(tokens["access_token"]))).status_code == 200

        if revoke.startswith("logout"):
            await first.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})
        else:
            cli(redis_settings, "users", "disable", "ada")

        for client in (second, first):
            assert_revoked(await refused_eventually(client, tokens["access_token"]))


async def test_a_cached_check_reads_nothing_from_the_database(settings: Settings) -> None:
    cached = settings.model_copy(update={"token_version_cache_seconds": NEVER_EXPIRES})
    async with instances(cached, 1) as [client]:
        token = (await login(client))["access_token"]
        assert (await client.get(ME, headers=bearer(token))).status_code == 200
        async with recorded_statements(client) as statements:
            assert (await client.get(ME, headers=bearer(token))).status_code == 200

        assert not [s for s in statements if "token_version" in s]
