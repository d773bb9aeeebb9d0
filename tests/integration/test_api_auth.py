"""Logins, access tokens, rotating refresh tokens, API keys and lockout through the real app,
on both backends."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from hotelreviews.app.factory import create_app
from hotelreviews.core.clock import utcnow
from hotelreviews.core.settings import Settings
from hotelreviews.security import repository as repo
from hotelreviews.security import service
from hotelreviews.security.errors import SecretMissing
from hotelreviews.security.lockout import FailureState
from hotelreviews.security.signing import load_signing_keys
from hotelreviews.security.tables import api_keys
from hotelreviews.security.tokens import issue_access_token
from tests.support.api_client import api_client

PASSWORD = "correct horse battery staple"
ADDRESS = "127.0.0.1"  # where httpx's ASGI transport says requests come from
LOGIN, REFRESH, LOGOUT, ME = (
    f"/api/v1/auth/{name}" for name in ("login", "refresh", "logout", "me")
)


def engine_of(client: httpx.AsyncClient) -> Any:
    return client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        await service.create_user(
            engine=engine_of(client),
            username="Ada",
            password=PASSWORD,
            roles=frozenset({"analyst"}),
        )
        yield client


async def login(client: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    return await client.post(LOGIN, json={"username": "ada", "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_login_gives_tokens_that_say_who_the_user_is(client: httpx.AsyncClient) -> None:
    response = await login(client)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = await client.get(ME, headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json() == {
        "kind": "user",
        "id": me.json()["id"],
        "name": "ada",
        "roles": ["analyst"],
        "hotel_ids": [],
        "every_hotel": True,
    }


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    wrong = await login(client, "not the password at all")
    unknown = await client.post(LOGIN, json={"username": "nobody", "password": PASSWORD})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json()["code"] == "invalid_credentials"


async def test_a_username_with_a_nul_character_is_refused_as_invalid_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    # PostgreSQL refuses NUL in text: without the check the look-up failed with a 500
    # (found by the schema fuzzer).
    answer = await client.post(LOGIN, json={"username": "ad\x00a", "password": PASSWORD})

    assert answer.status_code == 422
    assert "NUL" in answer.text


def _claims(settings: Settings, **changes: Any) -> dict[str, Any]:
    now = utcnow()
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "1",
        "name": "ada",
        "roles": ["admin"],
        "ver": 0,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _forged(settings: Settings, case: str) -> str:
    keys = load_signing_keys(settings)
    now = utcnow()
    if case == "tampered":
        good = issue_access_token(
            keys=keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            user_id=1,
            username="ada",
            roles=frozenset({"analyst"}),
            token_version=0,
            now=now,
            ttl_seconds=300,
        )
        header, payload, signature = good.split(".")
        admin = jwt.utils.base64url_encode(
            jwt.utils.base64url_decode(payload).replace(b'"analyst"', b'"admin"')
        ).decode()
        return f"{header}.{admin}.{signature}"
    if case == "alg none":
        return jwt.encode(_claims(settings), None, algorithm="none")
    if case == "other key":
        return jwt.encode(_claims(settings), "x" * 48, algorithm="HS256")
    changes = {
        "expired": {
            "iat": now - timedelta(hours=1),
            "nbf": now - timedelta(hours=1),
            "exp": now - timedelta(minutes=1),
        },
        "not yet valid": {"nbf": now + timedelta(minutes=10), "exp": now + timedelta(minutes=20)},
        "wrong audience": {"aud": "someone-else"},
        "wrong issuer": {"iss": "https://evil.example"},
        "no expiry": {"exp": None},
        "no token version": {"ver": None},
    }[case]
    return jwt.encode(_claims(settings, **changes), keys.signing_key, algorithm="HS256")


@pytest.mark.parametrize(
    "case",
    [
        "tampered",
        "alg none",
        "other key",
        "expired",
        "not yet valid",
        "wrong audience",
        "wrong issuer",
        "no expiry",
        "no token version",
    ],
)
async def test_bad_access_tokens_are_refused(
    client: httpx.AsyncClient, settings: Settings, case: str
) -> None:
    token = _forged(settings, case)

    response = await client.get(ME, headers=bearer(token))
    # Also on a public read: bad credentials are an error, not anonymity.
    read = await client.get("/api/v1/hotels", headers=bearer(token))

    assert response.status_code == 401, case
    assert response.json()["code"] == "invalid_token"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert read.status_code == 401


async def test_a_well_formed_token_of_the_same_key_is_accepted(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # The control for the refusals above: the same claims, untouched, pass.
    keys = load_signing_keys(settings)
    token = jwt.encode(_claims(settings), keys.signing_key, algorithm="HS256")

    response = await client.get(ME, headers=bearer(token))

    assert response.status_code == 200 and response.json()["roles"] == ["admin"]


async def test_refresh_rotates_and_a_reused_token_revokes_the_whole_family(
    client: httpx.AsyncClient,
) -> None:
    first = (await login(client)).json()["refresh_token"]
    second_pair = await client.post(REFRESH, json={"refresh_token": first})
    assert second_pair.status_code == 200, second_pair.text
    second = second_pair.json()["refresh_token"]
    third = (await client.post(REFRESH, json={"refresh_token": second})).json()["refresh_token"]
    assert len({first, second, third}) == 3
    other_session = (await login(client)).json()["refresh_token"]

    reuse = await client.post(REFRESH, json={"refresh_token": first})
    latest = await client.post(REFRESH, json={"refresh_token": third})

    assert reuse.status_code == 401 and reuse.json()["code"] == "invalid_token"
    assert latest.status_code == 401  # the family is revoked
    other = await client.post(REFRESH, json={"refresh_token": other_session})
    assert other.status_code == 200  # another login is another family


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    refresh_token = (await login(client)).json()["refresh_token"]

    done = await client.post(LOGOUT, json={"refresh_token": refresh_token})
    after = await client.post(REFRESH, json={"refresh_token": refresh_token})

    assert done.status_code == 204
    assert after.status_code == 401


async def test_a_disabled_user_cannot_log_in_or_refresh(client: httpx.AsyncClient) -> None:
    refresh_token = (await login(client)).json()["refresh_token"]

    await service.set_disabled(engine=engine_of(client), username="ada", disabled=True)

    assert (await login(client)).status_code == 401
    assert (await client.post(REFRESH, json={"refresh_token": refresh_token})).status_code == 401


async def test_api_keys_work_in_either_header_and_record_their_last_use(
    client: httpx.AsyncClient,
) -> None:
    engine = engine_of(client)
    key, secret = await service.create_api_key(
        engine=engine, name="loader", roles=frozenset({"ingest"})
    )
    assert key.last_used_at is None and secret.startswith("hr_") and key.prefix in secret

    by_header = await client.get(ME, headers={"X-API-Key": secret})
    by_scheme = await client.get(ME, headers={"Authorization": f"ApiKey {secret}"})

    assert by_header.status_code == by_scheme.status_code == 200
    assert by_header.json() == {
        "kind": "key",
        "id": key.id,
        "name": "loader",
        "roles": ["ingest"],
        "hotel_ids": [],
        "every_hotel": False,
    }
    [listed] = await service.list_api_keys(engine=engine)
    assert listed.last_used_at is not None


@pytest.mark.parametrize("case", ["revoked", "expired", "wrong secret", "garbage"])
async def test_revoked_expired_and_wrong_api_keys_are_refused(
    client: httpx.AsyncClient, case: str
) -> None:
    engine = engine_of(client)
    key, secret = await service.create_api_key(
        engine=engine,
        name="loader",
        roles=frozenset({"admin"}),
        expires_at=utcnow() + timedelta(days=1),
    )
    assert (await client.get(ME, headers={"X-API-Key": secret})).status_code == 200
    if case == "revoked":
        await service.revoke_api_key(engine=engine, key_id=key.id)
    elif case == "expired":
        async with engine.begin() as connection:
            await connection.execute(
                sa.update(api_keys).values(expires_at=utcnow() - timedelta(seconds=1))
            )
    elif case == "wrong secret":
        secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    else:
        secret = "hr_" + "x" * 10

    response = await client.get(ME, headers={"X-API-Key": secret})
    queue = await client.post(
        "/api/v1/ingestions", json={"source_uri": "s3://feeds/a.jl"}, headers={"X-API-Key": secret}
    )

    assert response.status_code == 401 and response.json()["code"] == "invalid_api_key"
    assert queue.status_code == 401


async def test_repeated_failures_lock_the_login_until_the_window_passes(
    settings: Settings,
) -> None:
    # Long enough for three failed logins (argon2 each) on a busy machine to land in it.
    update: dict[str, Any] = {"login_lockout_threshold": 3, "login_lockout_window_seconds": 3.0}
    if "rate_limit_enabled" in Settings.model_fields:
        # The per-address login rate limit (protection/) would answer 429 first.
        update["rate_limit_enabled"] = False
    locking = settings.model_copy(update=update)
    async with api_client(locking) as client:
        await service.create_user(
            engine=engine_of(client), username="ada", password=PASSWORD, roles=frozenset()
        )
        for _ in range(3):
            assert (await login(client, "wrong password!")).status_code == 401

        locked = await login(client)  # even the right password

        assert locked.status_code == 429, locked.text
        assert locked.json()["code"] == "login_locked"
        assert int(locked.headers["retry-after"]) >= 1
        deadline = time.monotonic() + 30
        while (response := await login(client)).status_code == 429:
            assert time.monotonic() < deadline, "the lock never ends"
            assert response.json()["code"] == "login_locked"
            await asyncio.sleep(0.1)
        assert response.status_code == 200
        # A success forgets the failures: one more mistake does not lock again.
        assert (await login(client, "wrong password!")).status_code == 401
        assert (await login(client)).status_code == 200


def without_rate_limits(settings: Settings, **update: Any) -> Settings:
    # The per-address login rate limit (protection/) would otherwise answer 429 first.
    return settings.model_copy(update={**update, "rate_limit_enabled": False})


async def wait_until_login_succeeds(client: httpx.AsyncClient, code: str) -> None:
    deadline = time.monotonic() + 30
    while (response := await login(client)).status_code == 429:
        assert time.monotonic() < deadline, "the wait never ends"
        assert response.json()["code"] == code
        await asyncio.sleep(0.05)
    assert response.status_code == 200, response.text


async def test_failures_beyond_the_free_ones_make_the_name_wait_before_trying_again(
    settings: Settings,
) -> None:
    backing_off = without_rate_limits(
        settings,
        login_lockout_threshold=10,
        login_backoff_free_failures=1,
        login_backoff_base_seconds=1.0,
    )
    async with api_client(backing_off) as client:
        await service.create_user(
            engine=engine_of(client), username="ada", password=PASSWORD, roles=frozenset()
        )
        assert (await login(client, "wrong password!")).status_code == 401  # free
        assert (await login(client, "wrong password!")).status_code == 401  # now wait 1 s

        waiting = await login(client)  # even the right password, and it is not counted

        assert waiting.status_code == 429, waiting.text
        assert waiting.json()["code"] == "login_backoff"
        assert waiting.headers["retry-after"] == "1"
        await wait_until_login_succeeds(client, "login_backoff")
        # A success forgets the failures: the next mistake is free again.
        assert (await login(client, "wrong password!")).status_code == 401
        assert (await login(client)).status_code == 200


async def test_each_lockout_before_a_success_lasts_twice_as_long(settings: Settings) -> None:
    locking = without_rate_limits(
        settings,
        login_lockout_threshold=2,
        # Long enough for two failed logins (argon2 each) on a busy machine to land in it.
        login_lockout_window_seconds=3.0,
        login_backoff_free_failures=2,
    )
    async with api_client(locking) as client:
        await service.create_user(
            engine=engine_of(client), username="ada", password=PASSWORD, roles=frozenset()
        )

        async def lock_out() -> str:
            for _ in range(2):
                assert (await login(client, "wrong password!")).status_code == 401
            locked = await login(client)
            assert locked.status_code == 429 and locked.json()["code"] == "login_locked"
            return locked.headers["retry-after"]

        assert await lock_out() == "3"
        deadline = time.monotonic() + 30
        while (await login(client, "wrong password!")).status_code == 429:
            assert time.monotonic() < deadline, "the lock never ends"
            await asyncio.sleep(0.05)
        # That failure opened a fresh window; one more locks the name again, for twice as long.
        assert (await login(client, "wrong password!")).status_code == 401
        second = await login(client)
        assert second.status_code == 429 and second.headers["retry-after"] == "6"

        await wait_until_login_succeeds(client, "login_locked")
        assert await lock_out() == "3"  # the success forgot the lockouts


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (LOGIN, {"username": "ada", "password": PASSWORD, "roles": ["admin"]}),
        (LOGIN, {"username": "ada", "password": PASSWORD, "id": 1}),
        (REFRESH, {"refresh_token": "x", "owner_id": 1}),
        ("/api/v1/ingestions", {"source_uri": "s3://feeds/a.jl", "id": 99}),
        ("/api/v1/ingestions", {"source_uri": "s3://feeds/a.jl", "lines_done": 10**6}),
        ("/api/v1/ingestions", {"source_uri": "s3://feeds/a.jl", "owner_id": 1}),
    ],
)
async def test_bodies_cannot_set_ids_counts_roles_or_ownership(
    client: httpx.AsyncClient, url: str, body: dict[str, Any]
) -> None:
    engine = engine_of(client)
    _, secret = await service.create_api_key(engine=engine, name="x", roles=frozenset({"admin"}))

    response = await client.post(url, json=body, headers={"X-API-Key": secret})

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_failed"
    [user] = await service.list_users(engine=engine)
    assert user.roles == {"analyst"}


async def test_anonymous_reads_can_be_turned_off(settings: Settings) -> None:
    closed = settings.model_copy(update={"anonymous_reads": False})
    async with api_client(closed) as client:
        anonymous = await client.get("/api/v1/hotels")
        _, secret = await service.create_api_key(
            engine=engine_of(client), name="x", roles=frozenset({"manager"})
        )
        signed = await client.get("/api/v1/hotels", headers={"X-API-Key": secret})

    assert anonymous.status_code == 401 and anonymous.json()["code"] == "authentication_required"
    assert signed.status_code == 200


def test_production_refuses_to_start_without_a_real_secret(tmp_path: Any) -> None:
    missing = Settings(environment="production", data_dir=tmp_path)
    placeholder = Settings(
        environment="production", data_dir=tmp_path, jwt_secret=SecretStr("changeme-changeme")
    )
    for settings in (missing, placeholder):
        with pytest.raises(SecretMissing, match="HOTELREVIEWS_JWT_SECRET"):
            load_signing_keys(settings)
    assert not list(tmp_path.iterdir())  # nothing generated in production
    good = "k" * 20 + "Q9r" * 10
    assert (
        load_signing_keys(
            Settings(environment="production", data_dir=tmp_path, jwt_secret=SecretStr(good))
        ).signing_key
        == good.encode()
    )


async def test_the_app_does_not_start_in_production_without_a_secret(tmp_path: Any) -> None:
    app = create_app(Settings(environment="production", data_dir=tmp_path))
    with pytest.raises(SecretMissing):
        async with app.router.lifespan_context(app):
            pass


def test_the_secret_may_come_from_a_file(tmp_path: Any) -> None:
    secret_file = tmp_path / "jwt"
    secret_file.write_text("s" * 48 + "\n")
    settings = Settings(environment="production", data_dir=tmp_path, jwt_secret_file=secret_file)
    assert load_signing_keys(settings).signing_key == b"s" * 48


@pytest.mark.parametrize("algorithm", ["HS256", "EdDSA", "RS256"])
def test_a_local_key_is_generated_once_private_to_its_owner(tmp_path: Any, algorithm: str) -> None:
    settings = Settings(environment="development", data_dir=tmp_path, jwt_algorithm=algorithm)
    first = load_signing_keys(settings)
    [key_file] = list(tmp_path.iterdir())
    second = load_signing_keys(settings)

    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    token = issue_access_token(
        keys=first,
        issuer="i",
        audience="a",
        user_id=7,
        username="u",
        roles=frozenset({"admin"}),
        token_version=3,
        now=utcnow(),
        ttl_seconds=60,
    )
    from hotelreviews.security.tokens import verify_access_token

    verified = verify_access_token(token, keys=second, issuer="i", audience="a")
    assert verified.identity.key == "user:7" and verified.identity.roles == {"admin"}
    assert verified.token_version == 3
    assert jwt.get_unverified_header(token)["alg"] == algorithm


async def test_failure_counters_older_than_two_windows_are_forgotten(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    engine = engine_of(client)
    window = timedelta(seconds=settings.login_lockout_window_seconds)
    now = utcnow()
    async with engine.begin() as connection:
        for name, started, locked_until in [
            ("tried-long-ago", now - 3 * window, None),
            ("locked-long-ago", now - 3 * window, now - 2 * window - timedelta(seconds=1)),
            ("tried-recently", now - window, None),
        ]:
            await repo.save_failures(
                connection, name, ADDRESS, FailureState(1, started, locked_until)
            )
        # Locked out before: kept, so that its next lockout lasts longer.
        await repo.save_failures(
            connection,
            "escalated-long-ago",
            ADDRESS,
            FailureState(2, now - 3 * window, now - 2 * window - timedelta(seconds=1), lockouts=1),
        )

    assert (await client.post(LOGIN, json={"username": "x", "password": "y"})).status_code == 401

    async with engine.connect() as connection:
        remaining = {
            name
            for name in (
                "tried-long-ago",
                "locked-long-ago",
                "escalated-long-ago",
                "tried-recently",
                "x",
            )
            if await repo.get_failures(connection, name, ADDRESS) is not None
        }
        # The login's own counters: from its address, and the name's from anywhere.
        assert await repo.get_failures(connection, "x", repo.NAME_WIDE) is not None
    assert remaining == {"escalated-long-ago", "tried-recently", "x"}
