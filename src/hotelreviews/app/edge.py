"""The checks in front of the response cache, as plain calls in one layer.

Client address (protection.addresses), host names (protection.hosts), size limits
(protection.sizes), the per-address rate limit (protection.ratelimit, protection.budgets) and
then the identity (security.authn), in the order protection.wiring explains: each a call to
its own module rather than a middleware of its own, because every cached hit passes them all
and each layer costs it a coroutine frame (docs/benchmarks.md, "Cached hits with every layer
on"). Only a body that must be counted as it is read wraps the application. Here, in the
composition root, because the identity is security's and the checks protection's.

With CORS configured it must act between the size and the rate limits: the checks are then
split into two such layers around it.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from hotelreviews.core.settings import Settings
from hotelreviews.protection.addresses import TrustedProxies, believe_forwarded
from hotelreviews.protection.asgi_problems import send_problem
from hotelreviews.protection.budgets import Budgets
from hotelreviews.protection.hosts import HostVerdicts, refuse_host
from hotelreviews.protection.ratelimit import address_key, send_too_many
from hotelreviews.protection.rules import RateRules
from hotelreviews.protection.sizes import SizeLimits, count_body
from hotelreviews.protection.wiring import Protection, cors_middleware
from hotelreviews.security.authn import resolve_identity, settled_without_credentials


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        proxies: TrustedProxies | None = None,
        hosts: HostVerdicts | None = None,
        sizes: SizeLimits | None = None,
        rules: RateRules | None = None,
        budgets: Budgets | None = None,
        identity: bool = False,
    ) -> None:
        self.app = app
        self._proxies = proxies or None  # no trusted proxy: nothing to believe
        self._hosts = hosts
        self._sizes = sizes
        self._rules = rules
        self._budgets = budgets
        self._identity = identity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._proxies is not None:
            believe_forwarded(scope, self._proxies)
        if self._hosts is not None and self._hosts.host_of(scope["headers"]) is None:
            await refuse_host(send)
            return
        body_limit = None
        if self._sizes is not None:
            verdict = self._sizes.verdict(scope)
            if isinstance(verdict, dict):
                await send_problem(send, **verdict)
                return
            body_limit = verdict
        if self._rules is not None and self._budgets is not None:
            rate = self._rules.match(scope["method"], scope["path"])
            if rate is not None:
                key = address_key(scope)
                admitted = self._budgets.take(rate, key)
                if admitted is None:
                    admitted = await self._budgets.admit(rate, key)
                if not admitted:
                    seconds_left = self._budgets.seconds_left(rate)
                    await send_too_many(send, rate, seconds_left, scope["path"])
                    return
        if self._identity and not settled_without_credentials(scope):
            await resolve_identity(scope)
        if body_limit is None:
            await self.app(scope, receive, send)
        else:
            await count_body(self.app, body_limit, scope, receive, send)


def install_edge(app: FastAPI, protection: Protection, settings: Settings) -> None:
    """Add the checks (after the response cache's add_middleware: they go outside it)."""
    front = {"proxies": protection.proxies, "hosts": protection.hosts, "sizes": protection.sizes}
    rates = (
        {"rules": protection.rules, "budgets": protection.budgets}
        if settings.rate_limit_enabled
        else {}
    )
    cors = cors_middleware(settings)
    if cors is None:
        app.add_middleware(EdgeMiddleware, **front, **rates, identity=True)
        return
    # add_middleware puts each one outside the ones before: innermost first.
    app.add_middleware(EdgeMiddleware, **rates, identity=True)
    app.add_middleware(cors.cls, *cors.args, **cors.kwargs)
    app.add_middleware(EdgeMiddleware, **front)
