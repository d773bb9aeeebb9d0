"""The data version this process serves: read at start-up, then polled in the background.

Every cache key holds the version, so when ingestion commits a batch (and bumps the version),
the next poll makes every older entry unreachable; nothing is deleted or scanned. A response
can therefore be stale for about one poll interval here, plus the max-age it was sent with
downstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cache.repository import read_data_version
from hotelreviews.core.database import read_transaction

logger = logging.getLogger("hotelreviews.cache")


class DataVersion:
    """The last data version read from the database; None until a read has succeeded."""

    def __init__(self) -> None:
        self.current: int | None = None

    async def refresh(self, engine: AsyncEngine) -> None:
        """Read the version; on failure keep the last known one (and keep serving)."""
        try:
            async with read_transaction(engine) as connection:
                self.current = await read_data_version(connection)
        except Exception as exc:  # a database blip must not stop the API or the poller
            logger.warning("could not read the data version (still %s): %r", self.current, exc)


@contextlib.asynccontextmanager
async def polled(
    version: DataVersion, *, engine: AsyncEngine, interval: float
) -> AsyncIterator[None]:
    """Keep `version` current while the block runs: one read now, then one per interval."""
    await version.refresh(engine)

    async def poll() -> None:
        while True:
            await asyncio.sleep(interval)
            await version.refresh(engine)

    task = asyncio.create_task(poll(), name="hotelreviews-data-version-poll")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
