"""Redis as the second cache level every process shares: the adapter, behind a breaker.

Redis is an accelerator, never a dependency: every call has a short timeout, a failure
counts in `CacheStats.redis_errors` and is answered as a miss, and after a failure the breaker
skips Redis (no network at all) until one probe finds it back. Only state changes are logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis

from hotelreviews.cache.codec import ENTRY_FORMAT, DecodeError, decode_entry, encode_entry
from hotelreviews.cache.stats import CacheStats
from hotelreviews.cache.store import CachedResponse
from hotelreviews.observability.metrics import CACHE_ERRORS
from hotelreviews.redislink.breaker import Breaker
from hotelreviews.redislink.client import REDIS_ERRORS

logger = logging.getLogger("hotelreviews.cache")

_T = TypeVar("_T")


class RedisLink:
    """The cache's Redis client (redislink.client) with its breaker and counters: a failure
    counts in this cache's stats and in the cache error metric."""

    def __init__(self, client: Redis, *, stats: CacheStats, breaker: Breaker | None = None) -> None:
        self.client = client
        self.stats = stats
        self.breaker = breaker or Breaker()

    async def call(self, command: Callable[[Redis], Awaitable[_T]], *, what: str) -> _T | None:
        """The command's result; None if it failed or the breaker skipped it."""
        if not self.breaker.allow():
            return None
        try:
            result = await command(self.client)
        except REDIS_ERRORS as error:
            self.stats.redis_errors += 1
            CACHE_ERRORS.inc()
            if self.breaker.failed():
                logger.warning(
                    "Redis unavailable (%s: %r); serving without it until it answers again",
                    what,
                    error,
                )
            return None
        if self.breaker.succeeded():
            logger.info("Redis answers again; the shared cache is back in use")
        return result

    async def aclose(self) -> None:
        await self.client.aclose()


class RedisStore:
    """Stored responses in Redis under `prefix`, with a ttl each (the ResponseStore interface)."""

    def __init__(self, link: RedisLink, *, prefix: str) -> None:
        self._link = link
        self._prefix = f"{prefix}r{ENTRY_FORMAT}:"

    async def get(self, key: str) -> CachedResponse | None:
        data = await self._link.call(lambda client: client.get(self._prefix + key), what="read")
        if data is None:
            return None
        try:
            response = decode_entry(data)
        except DecodeError as error:
            self._link.stats.redis_errors += 1
            CACHE_ERRORS.inc()
            logger.warning("unreadable cache entry in Redis under %r: %s", key, error)
            return None
        if response.expires_at is not None and response.expires_at <= time.time():
            return None  # Redis expires it a moment later
        return response

    async def set(self, key: str, response: CachedResponse, ttl: float) -> None:
        data = encode_entry(response, expires_at=time.time() + ttl)
        milliseconds = max(1, int(ttl * 1000))
        await self._link.call(
            lambda client: client.set(self._prefix + key, data, px=milliseconds), what="write"
        )
