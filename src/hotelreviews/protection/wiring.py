"""Protection's parts for an app, and the one order they act in.

From the outside in (app.edge runs 1-3 and 5 as plain calls in one layer, app.factory the
rest):

0. response headers: the security headers, and redirects to our host made relative
   (protection.response_headers), added when each response starts, outside all of them,
   Starlette's error handling included (in the request telemetry's one `send` wrapper), so
   that every answer carries them: the refusals below (413, 414, 431, 429), a 500, a cache
   hit, the application's;
1. client address: everything after it (limits keyed by address, HSTS by scheme) must see
   the client, not the proxy;
2. host names: a request for a host that is not ours is no request of ours, refused before
   any work or counting; outside everything that may redirect (the router, the cache), so
   that every redirect to our host leaves relative (protection.hosts);
3. size limits: the cheapest refusal, before any work or counting; auth routes take small
   bodies only (max_auth_body_bytes);
4. CORS (only when origins are configured): outside the rate limit so that a browser can
   read a 429 (without CORS headers it sees an opaque network error);
5. rate limits: in front of the response cache, so that hits count too (a cached response is
   cheap, but unlimited hits are still a flood);
6. then the identity (security.authn), the response cache (app.factory), the per-identity
   rate limit (protection.identity_ratelimit, innermost) and the application.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from hotelreviews.core.errors import UPLOAD_TOO_LARGE_ADVICE
from hotelreviews.core.settings import Settings
from hotelreviews.protection.addresses import TrustedProxies
from hotelreviews.protection.budgets import Budgets
from hotelreviews.protection.expensive import ExpensiveRequests
from hotelreviews.protection.headers import SecurityHeaders
from hotelreviews.protection.hosts import AllowedHosts, HostVerdicts
from hotelreviews.protection.identity_ratelimit import IdentityRateLimitMiddleware
from hotelreviews.protection.response_headers import ResponseHeaders
from hotelreviews.protection.rules import WEB_LOGIN_PATH, Rate, RateRules
from hotelreviews.protection.sizes import SizeLimits
from hotelreviews.redislink.client import redis_client

# Request headers a browser may send cross-origin, and response headers its scripts may read.
CORS_ALLOW_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-None-Match",
    "Idempotency-Key",
    "X-Consistency-Token",
]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Location",
    "Idempotent-Replayed",
    "X-Consistency-Token",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-Trace-Id",  # what a user quotes to support (observability.requests)
]


@dataclass
class Protection:
    """The checks' state and settings, for app.edge, routes (per-identity limits) and tests."""

    budgets: Budgets
    rules: RateRules
    identity_rate: Rate
    # Searches and include_total requests running at once (protection.expensive).
    expensive: ExpensiveRequests
    proxies: TrustedProxies
    hosts: HostVerdicts
    sizes: SizeLimits
    response_headers: ResponseHeaders


def install_protection(app: FastAPI, settings: Settings, *, api_prefix: str) -> Protection:
    """Protection's parts. The per-identity limit is added here, innermost whenever this is
    called; app.edge adds the checks, the request telemetry runs the response headers."""
    redis = (
        redis_client(settings.redis_url.get_secret_value(), timeout=settings.redis_timeout_seconds)
        if settings.redis_url is not None
        else None
    )
    hosts = HostVerdicts(AllowedHosts(settings.allowed_hosts))
    protection = Protection(
        budgets=Budgets(redis=redis, prefix=settings.redis_key_prefix),
        rules=RateRules.from_settings(settings, api_prefix=api_prefix),
        identity_rate=Rate.parse("identity", settings.rate_limit_identity),
        expensive=ExpensiveRequests(
            per_client=settings.expensive_requests_per_client,
            per_process=settings.expensive_request_slots,
        ),
        proxies=TrustedProxies(settings.trusted_proxies),
        hosts=hosts,
        sizes=SizeLimits(**size_limits(settings, api_prefix=api_prefix)),
        response_headers=ResponseHeaders(
            security=SecurityHeaders(hsts_max_age_seconds=settings.hsts_max_age_seconds),
            hosts=hosts,
        ),
    )
    if settings.rate_limit_enabled:
        # Innermost, after whatever resolves the identity (protection.identity_ratelimit).
        app.user_middleware.append(
            Middleware(
                IdentityRateLimitMiddleware,
                rate=protection.identity_rate,
                budgets=protection.budgets,
            )
        )
    if redis is not None:
        _close_on_shutdown(app, redis.aclose)
    app.state.protection = protection
    return protection


def cors_middleware(settings: Settings) -> Middleware | None:
    """Starlette's CORS middleware for the configured origins; None without any."""
    if not settings.cors_allow_origins:
        return None
    return Middleware(
        CORSMiddleware,
        allow_origins=settings.cors_allow_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age=600,
    )


def size_limits(settings: Settings, *, api_prefix: str) -> dict[str, Any]:
    """SizeLimits' limits (app.guard_responses documents them from the same)."""
    return {
        "max_url_bytes": settings.max_url_bytes,
        "max_header_bytes": settings.max_header_bytes,
        "max_body_bytes": settings.max_body_bytes,
        "body_limits": [
            *(
                (prefix, min(settings.max_auth_body_bytes, settings.max_body_bytes), None)
                for prefix in (f"{api_prefix}/auth/", WEB_LOGIN_PATH)
            ),
            # Files, not requests: their own cap (ingestion.uploads).
            (
                f"{api_prefix}/uploads",
                settings.upload_max_bytes,
                UPLOAD_TOO_LARGE_ADVICE,
            ),
        ],
    }


def _close_on_shutdown(app: FastAPI, close: Any) -> None:
    """Close the Redis client when the app's lifespan ends (after the app's own shutdown)."""
    lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def with_close(app_: Any) -> AsyncIterator[Any]:
        try:
            async with lifespan(app_) as state:
                yield state
        finally:
            await close()

    app.router.lifespan_context = with_close
