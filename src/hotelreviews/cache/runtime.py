"""One process's response cache, built from settings: what the app wires in (app.factory).

- this process's memory (an LRU), in front of everything: a hit costs no network;
- with `HOTELREVIEWS_REDIS_URL`, Redis behind it, shared by every process, and the
  invalidation channel that keeps the versions current at once;
- the versions, read from the primary database and kept current (cache.sync).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cache.invalidation import invalidation_channel
from hotelreviews.cache.shared import RedisLink, RedisStore
from hotelreviews.cache.stats import CacheStats
from hotelreviews.cache.store import MemoryStore
from hotelreviews.cache.sync import VersionSync
from hotelreviews.cache.versions import CacheVersions
from hotelreviews.core.settings import Settings
from hotelreviews.redislink.client import redis_client
from hotelreviews.routing import consistency_token, parse_lsn


class ResponseCache:
    def __init__(self, settings: Settings, *, prefix: str) -> None:
        self.settings = settings
        self.prefix = prefix
        self.stats = CacheStats()
        self.versions = CacheVersions(prefix=prefix)
        self.memory = MemoryStore(
            max_entries=settings.cache_max_entries, max_bytes=settings.cache_max_bytes
        )
        self.link: RedisLink | None = None
        self.shared: RedisStore | None = None
        if settings.redis_url is not None:
            client = redis_client(
                settings.redis_url.get_secret_value(), timeout=settings.redis_timeout_seconds
            )
            self.link = RedisLink(client, stats=self.stats)
            self.shared = RedisStore(self.link, prefix=settings.redis_key_prefix)
        self.sync: VersionSync | None = None

    def middleware_options(self) -> dict[str, Any]:
        """The keyword arguments of cache.middleware.ResponseCacheMiddleware."""
        return {
            "store": self.memory,
            "shared": self.shared,
            "versions": self.versions,
            "stats": self.stats,
            "prefix": self.prefix,
            "ttl_seconds": self.settings.cache_ttl_seconds,
            "max_entry_bytes": self.settings.cache_max_entry_bytes,
        }

    @contextlib.asynccontextmanager
    async def running(self, primary: Callable[[], AsyncEngine]) -> AsyncIterator[None]:
        """Keep the versions current from the engine `primary()` gives at each read (the
        source of truth, wherever the writer is) while the block runs; close the Redis
        connections after it."""
        self.sync = VersionSync(
            self.versions,
            engine=primary,
            poll_interval=self.settings.cache_version_poll_seconds,
            stats=self.stats,
            link=self.link,
            channel=invalidation_channel(self.settings),
            position=_primary_position,
        )
        try:
            async with self.sync.running():
                yield
        finally:
            if self.link is not None:
                await self.link.aclose()


async def _primary_position(engine: AsyncEngine) -> int | None:
    token = await consistency_token(engine)
    return None if token is None else parse_lsn(token)
