"""The audit log through the real app, on both backends: what each action records, that the
database refuses to rewrite it, and that only admins read it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from hotelreviews.app.factory import create_app
from hotelreviews.audit.tables import audit_events
from hotelreviews.core.settings import Settings
from hotelreviews.security import service
from tests.support.api_client import TEST_HOST, api_client, api_key_headers, get_json, walk

PASSWORD = "correct horse battery staple"
EVENTS = "/api/v1/audit-events"
PEER = "127.0.0.1"  # httpx.ASGITransport's client address


def engine_of(client: httpx.AsyncClient) -> Any:
    return client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # The source the tests queue must be within the source policy.
    allowed = settings.model_copy(update={"source_allowed_hosts": ["feeds.example"]})
    async with api_client(allowed) as client:
        await service.create_user(
            engine=engine_of(client), username="ada", password=PASSWORD, roles=frozenset()
        )
        yield client


async def events(client: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    admin = await api_key_headers(client, "admin")
    pages = []
    cursor = None
    while True:
        params = dict(filters, cursor=cursor) if cursor else filters
        response = await client.get(EVENTS, params=params, headers=admin)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_a_login_and_a_failed_one_are_recorded_without_the_password(
    client: httpx.AsyncClient,
) -> None:
    wrong = "not the password at all"
    failed = await client.post("/api/v1/auth/login", json={"username": "ada", "password": wrong})
    assert failed.status_code == 401
    ok = await client.post("/api/v1/auth/login", json={"username": "ada", "password": PASSWORD})
    assert ok.status_code == 200

    [login] = await events(client, action="auth.login")
    [user] = [e for e in await events(client, action="user.create")]
    user_id = user["target"]["id"]
    assert login["actor"] == {"kind": "user", "id": int(user_id), "label": "ada"}
    assert login["target"] == {"kind": "user", "id": user_id}
    assert (login["outcome"], login["client_address"]) == ("success", PEER)
    assert await events(client, actor=f"user:{user_id}") == [login]

    [failure] = await events(client, action="auth.login_failed")
    assert failure["actor"]["kind"] == "anonymous"
    assert failure["target"] == {"kind": "user", "id": user_id}
    assert (failure["outcome"], failure["client_address"]) == ("failure", PEER)
    assert failure["details"]["username"] == "ada"

    async with engine_of(client).connect() as connection:
        stored = (await connection.execute(sa.select(audit_events))).all()
    dumped = repr(stored)
    assert wrong not in dumped and PASSWORD not in dumped
    assert ok.json()["access_token"] not in dumped and ok.json()["refresh_token"] not in dumped


async def test_a_reused_refresh_token_and_a_logout_are_recorded(
    client: httpx.AsyncClient,
) -> None:
    tokens = (
        await client.post("/api/v1/auth/login", json={"username": "ada", "password": PASSWORD})
    ).json()
    first = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert first.status_code == 200
    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert reused.status_code == 401
    [reuse] = await events(client, action="auth.refresh_reuse_detected")
    assert (reuse["outcome"], reuse["target"]["kind"], reuse["client_address"]) == (
        "failure",
        "user",
        PEER,
    )

    login2 = (
        await client.post("/api/v1/auth/login", json={"username": "ada", "password": PASSWORD})
    ).json()
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": login2["refresh_token"]})
    assert out.status_code == 204
    [logout] = await events(client, action="auth.logout")
    assert logout["actor"]["kind"] == "user" and logout["outcome"] == "success"
    assert logout["target"] == reuse["target"]


async def test_user_and_key_administration_is_recorded_with_the_acting_context(
    client: httpx.AsyncClient,
) -> None:
    engine = engine_of(client)
    await service.set_roles(engine=engine, username="ada", roles=frozenset({"analyst"}))
    await service.set_disabled(engine=engine, username="ada", disabled=True)
    key, secret = await service.create_api_key(
        engine=engine, name="loader", roles=frozenset({"ingest"})
    )
    await service.revoke_api_key(engine=engine, key_id=key.id)

    recorded = {e["action"]: e for e in await events(client)}
    assert recorded["user.set_roles"]["details"] == {"username": "ada", "roles": ["analyst"]}
    assert recorded["user.disable"]["target"]["kind"] == "user"
    created = [e for e in await events(client, action="key.create")]
    loader = next(e for e in created if e["details"]["name"] == "loader")
    assert loader["target"] == {"kind": "key", "id": str(key.id)}
    assert loader["details"]["prefix"] == key.prefix
    assert recorded["key.revoke"]["target"] == {"kind": "key", "id": str(key.id)}
    # Outside a request or a CLI command (here: the test itself) the actor is the system.
    assert {e["actor"]["kind"] for e in recorded.values()} == {"system"}
    async with engine.connect() as connection:
        assert secret not in repr((await connection.execute(sa.select(audit_events))).all())


async def test_an_ingestion_enqueued_by_a_key_names_the_key_by_its_prefix(
    client: httpx.AsyncClient,
) -> None:
    ingest = await api_key_headers(client, "ingest")
    queued = await client.post(
        "/api/v1/ingestions", json={"source_uri": "https://feeds.example/a.jl"}, headers=ingest
    )
    assert queued.status_code == 202, queued.text
    [event] = await events(client, action="ingestion.enqueue")
    secret = ingest["X-API-Key"]
    assert event["actor"]["kind"] == "key"
    assert secret.startswith(event["actor"]["label"]) and event["actor"]["label"] != secret
    assert event["target"] == {"kind": "ingestion", "id": str(queued.json()["id"])}
    assert (event["outcome"], event["client_address"]) == ("success", PEER)
    assert event["details"] == {"source": "https://feeds.example/a.jl"}


async def test_a_write_the_policy_refuses_is_recorded_as_denied_and_a_refused_read_is_not(
    client: httpx.AsyncClient,
) -> None:
    analyst = await api_key_headers(client, "analyst")
    refused = await client.post(
        "/api/v1/ingestions", json={"source_uri": "https://feeds.example/a.jl"}, headers=analyst
    )
    assert refused.status_code == 403
    assert (await client.get(EVENTS, headers=analyst)).status_code == 403
    denied = [e for e in await events(client) if e["outcome"] == "denied"]
    assert len(denied) == 1
    assert denied[0]["action"] == "access.denied"
    assert denied[0]["actor"]["kind"] == "key"
    assert denied[0]["target"] == {"kind": "route", "id": "POST /api/v1/ingestions"}
    assert await events(client, action="ingestion.enqueue") == []


async def test_an_action_that_rolls_back_leaves_no_success_event(
    client: httpx.AsyncClient,
) -> None:
    with pytest.raises(service.IdentityError):
        await service.create_user(
            engine=engine_of(client), username="ada", password=PASSWORD, roles=frozenset()
        )
    assert len(await events(client, action="user.create")) == 1


async def test_the_client_address_is_the_one_trusted_proxies_relayed(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 4000))
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{TEST_HOST}") as client:
            response = await client.post(
                "/api/v1/auth/login",
                json={"username": "nobody", "password": "whatever it is"},
                headers={"X-Forwarded-For": "198.51.100.4"},
            )
            assert response.status_code == 401
            [failure] = await events(client, action="auth.login_failed")
    assert failure["client_address"] == "198.51.100.4"


async def test_the_database_refuses_to_update_or_delete_events(
    client: httpx.AsyncClient,
) -> None:
    engine = engine_of(client)
    assert len(await events(client, action="user.create")) == 1
    for statement in (
        sa.update(audit_events).values(outcome="failure"),
        sa.delete(audit_events),
    ):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(statement)
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(audit_events.c.outcome))).scalars().all()
    assert rows and set(rows) == {"success"}


async def test_only_admins_read_the_log_and_filters_and_pages_work(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get(EVENTS)).status_code == 401
    for role in ("manager", "analyst", "ingest"):
        response = await client.get(EVENTS, headers=await api_key_headers(client, role))
        assert response.status_code == 403, role
    for _ in range(3):
        await client.post("/api/v1/auth/login", json={"username": "ada", "password": "nope nope"})

    admin = await api_key_headers(client, "admin")
    client.headers.update(admin)
    try:
        first = await get_json(client, EVENTS, limit=2, include_total="true")
        assert first["total"] == sum(len(page) for page in await walk(client, EVENTS)) > 2
        assert first["next_cursor"] is not None
        pages = await walk(client, EVENTS, action="auth.login_failed", limit=1)
        assert [len(page) for page in pages] == [1, 1, 1]
        ids = [page[0]["id"] for page in pages]
        assert ids == sorted(ids, reverse=True)  # newest first
        response = await client.get(EVENTS)
        assert response.headers["cache-control"] == "no-store"
        anonymous = await get_json(client, EVENTS, actor="anonymous")
        assert [e["action"] for e in anonymous["items"]] == ["auth.login_failed"] * 3
        assert await get_json(client, EVENTS, since="2999-01-01") == {
            "items": [],
            "next_cursor": None,
            "total": None,
            "total_exact": None,
        }
        assert len((await get_json(client, EVENTS, until="2999-01-01"))["items"]) > 0
        bad = await client.get(EVENTS, params={"actor": "someone"})
        assert bad.status_code == 422
    finally:
        for name in admin:
            client.headers.pop(name)
