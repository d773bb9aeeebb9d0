"""Rate limits per identity (`user:42`, `key:7`), on top of the per-address ones.

The identity is resolved inside the per-address middlewares (security.authn puts it in
`scope["state"]["identity"]`), so this limit sits innermost, right in front of routing.
That costs nothing in coverage: requests carrying credentials always pass the response
cache by. Anonymous requests (no identity, or `anonymous`) are limited per address only.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from hotelreviews.protection.budgets import Budgets
from hotelreviews.protection.ratelimit import send_too_many
from hotelreviews.protection.rules import EXEMPT_PATHS, Rate

ANONYMOUS = "anonymous"


def identity_key(scope: Scope) -> str | None:
    """The stable key of the request's identity, None when there is none to limit."""
    state = scope.get("state")
    identity = state.get("identity") if state else None
    key = getattr(identity, "key", None)
    return key if isinstance(key, str) and key and key != ANONYMOUS else None


class IdentityRateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, rate: Rate, budgets: Budgets) -> None:
        self.app = app
        self._rate = rate
        self._budgets = budgets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = identity_key(scope) if scope["type"] == "http" else None
        if key is not None and scope["path"] not in EXEMPT_PATHS:
            admitted = self._budgets.take(self._rate, key)
            if admitted is None:
                admitted = await self._budgets.admit(self._rate, key)
            if not admitted:
                seconds_left = self._budgets.seconds_left(self._rate)
                await send_too_many(send, self._rate, seconds_left, scope["path"])
                return
        await self.app(scope, receive, send)
