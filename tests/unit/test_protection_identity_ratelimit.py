"""Rate limits per identity: the middleware in front of a bare ASGI app, with the identity
where security.authn leaves it (scope["state"]["identity"], whose `key` is stable)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.types import Receive, Scope, Send

from hotelreviews.protection.budgets import Budgets
from hotelreviews.protection.identity_ratelimit import IdentityRateLimitMiddleware
from hotelreviews.protection.rules import Rate


@dataclass(frozen=True)
class SomeIdentity:
    key: str


async def ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def limited_app(rate: Rate) -> IdentityRateLimitMiddleware:
    return IdentityRateLimitMiddleware(ok, rate=rate, budgets=Budgets(redis=None, prefix="t:"))


def client(app: IdentityRateLimitMiddleware, key: str | None, peer: str) -> httpx.AsyncClient:
    async def with_identity(scope: Scope, receive: Receive, send: Send) -> None:
        if key is not None:
            scope.setdefault("state", {})["identity"] = SomeIdentity(key)
        await app(scope, receive, send)

    transport = httpx.ASGITransport(app=with_identity, client=(peer, 1))
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")


async def codes(client: httpx.AsyncClient, count: int, path: str = "/api/v1/hotels") -> list[int]:
    return [(await client.get(path)).status_code for _ in range(count)]


async def test_an_identity_is_limited_whichever_address_it_comes_from() -> None:
    rate = Rate.parse("identity", "3/hour")
    app = limited_app(rate)
    async with (
        client(app, "user:42", "198.51.100.1") as here,
        client(app, "user:42", "198.51.100.2") as there,
        client(app, "key:7", "198.51.100.1") as other,
    ):
        assert await codes(here, 2) == [200, 200]
        assert await codes(there, 2) == [200, 429]
        refused = await there.get("/api/v1/hotels")
        assert refused.json()["detail"].startswith("too many requests (identity limit")
        assert refused.headers["ratelimit-limit"] == "3"
        assert int(refused.headers["retry-after"]) >= 1
        assert await codes(other, 3) == [200] * 3  # another identity has its own
        assert await codes(here, 1, "/livez") == [200]  # health checks are never limited


async def test_anonymous_requests_are_left_to_the_per_address_limit() -> None:
    app = limited_app(Rate.parse("identity", "1/hour"))
    async with (
        client(app, "anonymous", "198.51.100.1") as anonymous,
        client(app, None, "198.51.100.1") as unresolved,
    ):
        assert await codes(anonymous, 3) == [200] * 3
        assert await codes(unresolved, 3) == [200] * 3
