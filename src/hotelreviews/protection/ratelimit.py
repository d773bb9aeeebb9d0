"""Rate limits per client address, in front of everything (the response cache included).

A refused request gets 429 problem+json with `Retry-After` and the `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` headers (the IETF draft's first, widely
implemented form: seconds until the window resets). They are sent on refusals only: adding
them to every response would cost every cached hit a header rewrite.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from hotelreviews.observability.metrics import RATE_LIMIT_REJECTIONS
from hotelreviews.protection.asgi_problems import send_problem
from hotelreviews.protection.budgets import Budgets
from hotelreviews.protection.rules import Rate, RateRules


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, rules: RateRules, budgets: Budgets) -> None:
        self.app = app
        self._rules = rules
        self._budgets = budgets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rate = self._rules.match(scope["method"], scope["path"])
        if rate is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        admitted = self._budgets.take(rate, key)
        if admitted is None:
            admitted = await self._budgets.admit(rate, key)
        if admitted:
            await self.app(scope, receive, send)
            return
        await send_too_many(send, rate, self._budgets.seconds_left(rate), scope["path"])


async def send_too_many(send: Send, rate: Rate, seconds_left: int, instance: str) -> None:
    # rate.name is one of the fixed rule names (rules.Rate): a safe label value.
    RATE_LIMIT_REJECTIONS.labels(rule=rate.name).inc()
    wait = str(seconds_left).encode()
    await send_problem(
        send,
        status=429,
        code="rate_limited",
        detail=f"too many requests ({rate.name} limit: {rate.describe()}); "
        f"retry in {seconds_left} s",
        instance=instance,
        headers=[
            (b"retry-after", wait),
            (b"ratelimit-limit", str(rate.limit).encode()),
            (b"ratelimit-remaining", b"0"),
            (b"ratelimit-reset", wait),
        ],
    )
