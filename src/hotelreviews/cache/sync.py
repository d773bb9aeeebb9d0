"""Keeping a process's data versions current: database reads and invalidation messages.

- The database is the source of truth. It is read at start-up (every hotel's version), then
  every `poll_interval` (≤ 1 s; two primary-key reads, plus the hotels changed since the last
  version known when there are any). This poll alone bounds how long a process can serve a
  response older than a committed ingest, whatever state Redis is in.
- Invalidation messages (Redis pub/sub, published by the ingester after each commit) bring
  each batch's versions within milliseconds. A message that shows an earlier one was missed,
  a (re)subscription (messages may have been lost while it was down) or an unreadable message
  wakes the poll at once instead of waiting for it.
- Versions read from the primary come with its WAL position, as messages do: the cache then
  fills new entries only from a database that has replayed that far (cache.middleware).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cache.codec import DecodeError, decode_message
from hotelreviews.cache.repository import hotel_versions_since, read_versions
from hotelreviews.cache.shared import RedisLink
from hotelreviews.cache.stats import CacheStats
from hotelreviews.cache.versions import CacheVersions, VersionBump
from hotelreviews.core.database import read_transaction
from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.observability.metrics import CACHE_ERRORS
from hotelreviews.redislink.channel import listen

logger = logging.getLogger("hotelreviews.cache")

# The primary's WAL position now, for versions just read from it (None on SQLite).
PositionReader = Callable[[AsyncEngine], Awaitable[int | None]]


async def _no_position(engine: AsyncEngine) -> int | None:
    return None


class VersionSync:
    def __init__(
        self,
        versions: CacheVersions,
        *,
        engine: Callable[[], AsyncEngine],
        poll_interval: float,
        stats: CacheStats,
        link: RedisLink | None = None,
        channel: str = "",
        position: PositionReader = _no_position,
    ) -> None:
        self.versions = versions
        # Asked at each read, not kept: the primary can move while the process runs (dr.rds).
        self._engine = engine
        self._interval = poll_interval
        self._stats = stats
        self._link = link
        self._channel = channel
        self._position = position
        self._wake = asyncio.Event()
        # The global version the previous database read found: versions only move forward,
        # so a smaller one means the database was replaced (restored, or recreated).
        self._last_read: int | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Read the versions now, then keep them current while the block runs."""
        await self.refresh()
        tasks = [asyncio.create_task(self._poll(), name="hotelreviews-cache-version-poll")]
        if self._link is not None:
            tasks.append(asyncio.create_task(self._listen(), name="hotelreviews-cache-listen"))
        try:
            yield
        finally:
            await cancel_and_wait(tasks)

    def catch_up_soon(self) -> None:
        """Read the database now rather than at the next poll."""
        self._wake.set()

    async def refresh(self) -> None:
        """Read the versions from the database; on failure keep the known ones (and serve)."""
        versions = self.versions
        try:
            engine = self._engine()
            async with read_transaction(engine) as connection:
                version, floor = await read_versions(connection)
                if self._last_read is not None and version < self._last_read:
                    logger.warning(
                        "the data version went back from %s to %s: the database was replaced; "
                        "reading every version again",
                        self._last_read,
                        version,
                    )
                    versions.forget()
                self._last_read = version
                if versions.current is not None and version <= versions.complete:
                    versions.apply_database(version=version, floor=floor, hotels=())
                    return
                # Read after the versions: every hotel row of a batch up to `version` is
                # there (one transaction wrote them), and maybe some of later batches too.
                since = floor if versions.current is None else versions.complete
                hotels = await hotel_versions_since(connection, since=since)
            position = await self._position(engine)
        except Exception as exc:  # a database blip must not stop the API or the poll
            logger.warning("could not read the data version (still %s): %r", versions.current, exc)
            return
        if versions.current is not None:
            self._stats.catch_ups += 1
        versions.apply_database(version=version, floor=floor, hotels=hotels, lsn=position)

    async def _poll(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            await self.refresh()

    async def _listen(self) -> None:
        """Apply invalidation messages; catch up from the database at each (re)subscription."""
        assert self._link is not None
        await listen(
            self._link.client,
            self._channel,
            state=self._stats,
            on_message=self._receive,
            # Messages sent while not subscribed are lost: read what they said.
            on_subscribed=self.catch_up_soon,
            on_error=self._count_error,
            what="cache invalidations",
        )

    def _count_error(self) -> None:
        self._stats.redis_errors += 1
        CACHE_ERRORS.inc()

    def _receive(self, data: bytes) -> None:
        try:
            bump = decode_message(data)
        except DecodeError as error:
            self._stats.redis_errors += 1
            CACHE_ERRORS.inc()
            logger.warning("unreadable cache invalidation message: %s", error)
            self.catch_up_soon()
            return
        if not isinstance(bump, VersionBump):
            return  # a token revocation: security.token_versions listens for those
        self._stats.invalidations += 1
        if not self.versions.apply(bump):
            self.catch_up_soon()
