"""Helpers of the response cache tests: feeds, the app's own queries, polling for a change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import orjson

from hotelreviews.cache.runtime import ResponseCache
from hotelreviews.core.settings import Settings
from tests.support.api_client import recorded_statements
from tests.support.feeds import nested_line

HOTELS = "/api/v1/hotels"
# Statements of the cache's own upkeep (version reads, the WAL position), not of the routes.
_UPKEEP = ("data_versions", "hotel_versions", "pg_current_wal")
DEADLINE_SECONDS = 30.0


def write_feed(path: Path, *, hotel: int, reviews: range, rating: float = 8.0) -> str:
    lines = [
        orjson.dumps(nested_line(hotel=hotel, review=r, rating=rating, text=f"Stay {r}"))
        for r in reviews
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


@asynccontextmanager
async def app_queries(client: httpx.AsyncClient) -> AsyncIterator[list[str]]:
    """The statements the routes run inside the block (the cache's upkeep left out)."""
    async with recorded_statements(client) as statements:
        queries: list[str] = []
        yield queries
    queries.extend(s for s in statements if not any(word in s for word in _UPKEEP))


def cache_of(client: httpx.AsyncClient) -> ResponseCache:
    """The response cache of the app behind an api_client."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    cache = transport.app.state.cache  # type: ignore[attr-defined]
    assert isinstance(cache, ResponseCache)
    return cache


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Poll until the condition holds (a generous deadline: this asserts no duration)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


async def changed(client: httpx.AsyncClient, url: str, old: bytes) -> httpx.Response:
    """GET until the body differs from `old`; the new response.

    The polls space out (20 ms, doubling up to a second: some 35 requests in the deadline),
    so that waiting for a stale body never trips the app's rate limiter and fails as what it
    is; a 429 all the same (the test's other requests used the budget) waits its Retry-After.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    pause = 0.02
    while True:
        response = await client.get(url)
        if response.status_code == 429:
            pause = max(pause, float(response.headers.get("retry-after", "1")))
        else:
            assert response.status_code == 200, response.text
            if response.content != old:
                return response
        if loop.time() > deadline:
            raise AssertionError(f"{url} still serves the old (stale) body")
        await asyncio.sleep(min(pause, max(deadline - loop.time(), 0.0) + 0.01))
        pause = min(pause * 2, 1.0)


def with_response_cache(settings: Settings) -> Settings:
    """The settings with the in-process response cache on, its versions polled every 50 ms (a
    change shows within a test's patience) and entries kept an hour (only a version bump can
    replace them: what the tests check)."""
    return settings.model_copy(
        update={
            "cache_enabled": True,
            "cache_version_poll_seconds": 0.05,
            "cache_ttl_seconds": 3600.0,
        }
    )
