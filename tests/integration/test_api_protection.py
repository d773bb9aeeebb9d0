"""Abuse protection through the whole app: rate limits per client address (stricter for
search and login), size limits, trusted proxies, security headers and CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hotelreviews.app.factory import create_app
from hotelreviews.core.settings import Settings
from hotelreviews.protection.identity_ratelimit import IdentityRateLimitMiddleware
from tests.support.api_client import TEST_HOST, api_key_headers
from tests.support.protection import Connect, fresh_window, running_app

PROVIDERS = "/api/v1/providers"
SEARCH = "/api/v1/reviews/search"
LOGIN = "/api/v1/auth/login"
HOUR = 3600


def protected(settings: Settings, **changes: object) -> Settings:
    base: dict[str, object] = {
        "rate_limit_default": "1000/hour",
        "rate_limit_search": "1000/hour",
        "rate_limit_login": "1000/hour",
    }
    return settings.model_copy(update={**base, **changes})


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[Connect]:
    await fresh_window(HOUR)
    limits = {"rate_limit_default": "5/hour", "rate_limit_search": "3/hour"}
    async with running_app(protected(settings, **limits, rate_limit_login="2/hour")) as connect:
        yield connect


async def statuses(client: httpx.AsyncClient, url: str, count: int, **kwargs: object) -> list[int]:
    method = str(kwargs.pop("method", "GET"))
    return [(await client.request(method, url, **kwargs)).status_code for _ in range(count)]  # type: ignore[arg-type]


async def test_past_its_limit_a_client_gets_429_with_when_to_retry(limited: Connect) -> None:
    client = limited(peer="198.51.100.7")
    assert await statuses(client, PROVIDERS, 5) == [200] * 5
    refused = await client.get(PROVIDERS)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "rate_limited" and problem["status"] == 429
    assert 1 <= int(refused.headers["retry-after"]) <= HOUR
    assert refused.headers["ratelimit-limit"] == "5"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == refused.headers["retry-after"]
    assert refused.headers["x-content-type-options"] == "nosniff"
    # Another client is not affected, and health checks are never limited.
    assert (await limited(peer="198.51.100.8").get(PROVIDERS)).status_code == 200
    assert (await client.get("/livez")).status_code == 200


async def test_search_has_a_stricter_limit_of_its_own(limited: Connect) -> None:
    client = limited(peer="198.51.100.9")
    searched = await statuses(client, SEARCH, 4, params={"q": "breakfast"})
    assert 429 not in searched[:3]
    assert searched[3] == 429
    assert (await client.get(PROVIDERS)).status_code == 200  # the default budget is untouched


async def test_login_attempts_are_limited_per_address(limited: Connect) -> None:
    # Whatever the route answers (it may not exist yet), the third attempt is refused.
    client = limited(peer="198.51.100.10")
    attempts = await statuses(
        client, LOGIN, 3, method="POST", json={"username": "a", "password": "b"}
    )
    assert 429 not in attempts[:2] and attempts[2] == 429
    assert (await client.get(PROVIDERS)).status_code == 200


async def test_the_web_pages_login_shares_the_api_logins_limit(limited: Connect) -> None:
    # Two API logins use up the address's budget: the pages' login (security.web_session)
    # is refused too, whatever it would have answered.
    client = limited(peer="198.51.100.11")
    body = {"username": "a", "password": "b"}
    attempts = await statuses(client, LOGIN, 2, method="POST", json=body)
    assert 429 not in attempts
    web = await client.post("/web/session", json=body, headers={"X-Requested-With": "hotelreviews"})
    assert web.status_code == 429


async def test_rate_limits_off(settings: Settings) -> None:
    async with running_app(
        protected(settings, rate_limit_default="1/hour", rate_limit_enabled=False)
    ) as connect:
        assert await statuses(connect(), PROVIDERS, 3) == [200] * 3


@pytest.fixture
async def small(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    limits = {"max_url_bytes": 512, "max_header_bytes": 2048, "max_body_bytes": 2048}
    async with running_app(protected(settings, **limits)) as connect:
        yield connect()


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_a_long_url_gets_414(small: httpx.AsyncClient) -> None:
    assert (await small.get(PROVIDERS, params={"cursor": "x" * 400})).status_code != 414
    assert_problem(await small.get(PROVIDERS, params={"cursor": "x" * 600}), 414, "uri_too_long")


async def test_large_headers_get_431(small: httpx.AsyncClient) -> None:
    assert (await small.get(PROVIDERS, headers={"x-note": "y" * 1000})).status_code == 200
    response = await small.get(PROVIDERS, headers={"x-note": "y" * 3000})
    assert_problem(response, 431, "headers_too_large")


async def test_a_declared_large_body_gets_413_before_it_is_read(
    small: httpx.AsyncClient,
) -> None:
    response = await small.post("/api/v1/ingestions", content=b"{" + b" " * 5000 + b"}")
    assert_problem(response, 413, "body_too_large")


async def test_a_streamed_large_body_gets_413_when_it_passes_the_limit(
    small: httpx.AsyncClient,
) -> None:
    async def chunks(total: int) -> AsyncIterator[bytes]:
        yield b'{"source_uri": "'
        for _ in range(total // 500):
            yield b"x" * 500
        yield b'"}'

    # With credentials that may post: an anonymous post is refused before its body is read.
    headers = {"content-type": "application/json", **await api_key_headers(small, "ingest")}
    large = await small.post("/api/v1/ingestions", content=chunks(5000), headers=headers)
    assert "content-length" not in large.request.headers  # really streamed (chunked)
    assert_problem(large, 413, "body_too_large")
    # A small streamed body goes through to the application (which judges its content).
    fine = await small.post("/api/v1/ingestions", content=chunks(500), headers=headers)
    assert fine.status_code not in (413, 500), fine.text


async def test_an_untrusted_peer_cannot_pick_its_address(settings: Settings) -> None:
    await fresh_window(HOUR)
    changes = {"rate_limit_default": "2/hour", "trusted_proxies": ["10.0.0.0/8"]}
    async with running_app(protected(settings, **changes)) as connect:
        client = connect(peer="203.0.113.50")
        codes = [
            (await client.get(PROVIDERS, headers={"x-forwarded-for": f"192.0.2.{n}"})).status_code
            for n in range(3)
        ]
        assert codes == [200, 200, 429]


async def test_a_trusted_proxy_chain_names_the_client(settings: Settings) -> None:
    await fresh_window(HOUR)
    changes = {"rate_limit_default": "2/hour", "trusted_proxies": ["10.0.0.0/8"]}
    async with running_app(protected(settings, **changes)) as connect:
        proxy = connect(peer="10.0.0.1")

        async def via(chain: str) -> int:
            return (await proxy.get(PROVIDERS, headers={"x-forwarded-for": chain})).status_code

        # The client is the rightmost address our proxies did not add, whatever it wrote
        # to the left of it: 192.0.2.1 in each of these.
        assert await via("192.0.2.1") == 200
        assert await via("6.6.6.6, 192.0.2.1, 10.0.0.9") == 200
        assert await via("7.7.7.7, 192.0.2.1") == 429
        assert await via("192.0.2.2") == 200  # another client behind the same proxy


async def test_security_headers_and_hsts_only_over_tls(settings: Settings) -> None:
    changes = {"trusted_proxies": ["10.0.0.0/8"]}
    async with running_app(protected(settings, **changes)) as connect:
        response = await connect().get(PROVIDERS)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert "strict-transport-security" not in response.headers

        docs = await connect().get("/docs")
        assert docs.status_code == 200
        policy = docs.headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net" in policy
        assert "strict-transport-security" not in docs.headers

        https = await connect(base_url=f"https://{TEST_HOST}").get(PROVIDERS)
        assert https.headers["strict-transport-security"] == "max-age=31536000"
        relayed = {"x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.1"}
        via_proxy = await connect(peer="10.0.0.1").get(PROVIDERS, headers=relayed)
        assert via_proxy.headers["strict-transport-security"] == "max-age=31536000"
        spoofed = await connect(peer="203.0.113.1").get(PROVIDERS, headers=relayed)
        assert "strict-transport-security" not in spoofed.headers


PREFLIGHT = {"origin": "https://app.example", "access-control-request-method": "GET"}


async def test_cors_is_off_by_default(settings: Settings) -> None:
    async with running_app(protected(settings)) as connect:
        client = connect()
        preflight = await client.options(PROVIDERS, headers=PREFLIGHT)
        assert "access-control-allow-origin" not in preflight.headers
        response = await client.get(PROVIDERS, headers={"origin": "https://app.example"})
        assert "access-control-allow-origin" not in response.headers


async def test_cors_for_configured_origins(settings: Settings) -> None:
    changes = {"cors_allow_origins": ["https://app.example"]}
    async with running_app(protected(settings, **changes)) as connect:
        client = connect()
        preflight = await client.options(PROVIDERS, headers=PREFLIGHT)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        response = await client.get(PROVIDERS, headers={"origin": "https://app.example"})
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        exposed = response.headers["access-control-expose-headers"].lower()
        assert "ratelimit-limit" in exposed and "x-trace-id" in exposed
        other = await client.get(PROVIDERS, headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_the_identity_limit_sits_innermost(settings: Settings) -> None:
    """Inside whatever resolves the identity (tests/unit/test_protection_identity_ratelimit.py)."""
    app = create_app(protected(settings))
    assert app.user_middleware[-1].cls is IdentityRateLimitMiddleware


async def test_with_cors_a_429_is_readable_cross_origin_and_a_size_refusal_comes_first(
    settings: Settings,
) -> None:
    """The order of protection.wiring: size limits, then CORS, then the rate limit (app.edge
    splits its checks around CORS when it is configured)."""
    await fresh_window(HOUR)
    changes = {"cors_allow_origins": ["https://app.example"], "rate_limit_default": "2/hour"}
    origin = {"origin": "https://app.example"}
    async with running_app(protected(settings, **changes, max_url_bytes=512)) as connect:
        client = connect(peer="203.0.113.77")
        assert await statuses(client, PROVIDERS, 2, headers=origin) == [200, 200]
        refused = await client.get(PROVIDERS, headers=origin)
        assert_problem(refused, 429, "rate_limited")
        assert refused.headers["access-control-allow-origin"] == "https://app.example"
        assert refused.headers["x-content-type-options"] == "nosniff"
        too_long = await client.get(PROVIDERS, params={"cursor": "x" * 600}, headers=origin)
        assert_problem(too_long, 414, "uri_too_long")  # not counted, not a 429
        assert "access-control-allow-origin" not in too_long.headers
        assert "x-trace-id" in too_long.headers
