"""Rate limits per client address, in front of everything (the response cache included;
app.edge checks them, per RateRules, from Budgets).

A refused request gets 429 problem+json with `Retry-After` and the `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` headers (the IETF draft's first, widely
implemented form: seconds until the window resets). They are sent on refusals only: adding
them to every response would cost every cached hit a header rewrite.
"""

from __future__ import annotations

from starlette.types import Scope, Send

from hotelreviews.observability.metrics import RATE_LIMIT_REJECTIONS
from hotelreviews.protection.asgi_problems import send_problem
from hotelreviews.protection.rules import Rate


def address_key(scope: Scope) -> str:
    """The key a request's per-address limits count under: its client's address."""
    client = scope.get("client")
    return client[0] if client else "unknown"


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
