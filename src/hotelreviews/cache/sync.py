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

from hotelreviews.cache.codec import DecodeError, decode_bump
from hotelreviews.cache.repository import hotel_versions_since, read_versions
from hotelreviews.cache.shared import REDIS_ERRORS, RedisLink
from hotelreviews.cache.stats import CacheStats
from hotelreviews.cache.versions import CacheVersions
from hotelreviews.core.database import read_transaction
from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.observability.metrics import CACHE_ERRORS

logger = logging.getLogger("hotelreviews.cache")

# After this long without a word on the subscription (a PING goes out after each quiet
# second), it is taken for dead and made again.
_SILENCE_SECONDS = 3.0
_FIRST_RETRY_SECONDS = 0.1
_MAX_RETRY_SECONDS = 2.0

# The primary's WAL position now, for versions just read from it (None on SQLite).
PositionReader = Callable[[AsyncEngine], Awaitable[int | None]]


async def _no_position(engine: AsyncEngine) -> int | None:
    return None


class VersionSync:
    def __init__(
        self,
        versions: CacheVersions,
        *,
        engine: AsyncEngine,
        poll_interval: float,
        stats: CacheStats,
        link: RedisLink | None = None,
        channel: str = "",
        position: PositionReader = _no_position,
    ) -> None:
        self.versions = versions
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
            async with read_transaction(self._engine) as connection:
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
            position = await self._position(self._engine)
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
        """Apply invalidation messages; resubscribe (after a growing pause) whenever the
        subscription fails, and catch up from the database each time it is made."""
        assert self._link is not None
        retry_in = _FIRST_RETRY_SECONDS
        reported = False  # that the subscription is down (logged once per outage)
        while True:
            pubsub = self._link.client.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                loop = asyncio.get_running_loop()
                heard = loop.time()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        if loop.time() - heard > _SILENCE_SECONDS:
                            raise ConnectionError("the subscription went silent (no PONG)")
                        await pubsub.ping()
                        continue
                    heard = loop.time()
                    if message["type"] == "subscribe":
                        if not self._stats.subscribed:
                            logger.info("listening for cache invalidations on Redis")
                        self._stats.subscribed = True
                        retry_in, reported = _FIRST_RETRY_SECONDS, False
                        # Messages sent while not subscribed are lost: read what they said.
                        self.catch_up_soon()
                    elif message["type"] == "message":
                        self._receive(message["data"])
            except REDIS_ERRORS as error:
                self._stats.redis_errors += 1
                CACHE_ERRORS.inc()
                if not reported:
                    reported = True
                    logger.warning(
                        "no cache invalidation subscription (%r); retrying, and the database "
                        "poll keeps versions current meanwhile",
                        error,
                    )
            finally:
                self._stats.subscribed = False
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()
            await asyncio.sleep(retry_in)
            retry_in = min(retry_in * 2, _MAX_RETRY_SECONDS)

    def _receive(self, data: bytes) -> None:
        try:
            bump = decode_bump(data)
        except DecodeError as error:
            self._stats.redis_errors += 1
            CACHE_ERRORS.inc()
            logger.warning("unreadable cache invalidation message: %s", error)
            self.catch_up_soon()
            return
        self._stats.invalidations += 1
        if not self.versions.apply(bump):
            self.catch_up_soon()
