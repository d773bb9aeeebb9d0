"""The runner as a background task of a long-running process (`hotelreviews worker`).

It catches up whenever it is told events were committed — at once by this process's own
ingestions (events.notify's local listeners), from other processes through the Redis events
channel when Redis is configured — and every `intelligence_poll_seconds` (1 s) regardless,
since a notice can be lost (and the embedded setup has no Redis). A notice only wakes it: what
to do is always read from the table after the stored cursor, so a late or repeated notice
costs nothing. A failed catch-up (the database restarting) is logged and retried at the next
wake; its transaction rolled back, so nothing is half-applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.events import notify
from hotelreviews.intelligence.runner.catch_up import CatchUpReport, catch_up
from hotelreviews.intelligence.runner.day_series import DayMemory

logger = logging.getLogger("hotelreviews.intelligence")


@dataclass(slots=True)
class RunnerStats:
    subscribed: bool = False  # to the Redis events channel, right now
    runs: int = 0
    failures: int = 0
    redis_errors: int = 0


class BackgroundRunner:
    """Catch up on every events notice and on a timer, until the `running` block ends."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # The day sums the detectors read, kept from one catch-up to the next (day_series).
        self._memory = DayMemory()
        self._wake = asyncio.Event()
        # Clear while a catch-up runs: a graceful stop waits for it (app.intelligence) rather
        # than cancelling a query in flight.
        self.idle = asyncio.Event()
        self.idle.set()
        self.stats = RunnerStats()
        self.last: CatchUpReport | None = None

    def committed(self, up_to: int) -> None:
        """Events up to `up_to` are committed (the id is not needed: the cursor is stored)."""
        self._wake.set()

    @contextlib.asynccontextmanager
    async def running(self, engine: Callable[[], AsyncEngine]) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(self._loop(engine), name="hotelreviews-intelligence")]
        if self._settings.redis_url is not None:
            tasks.append(
                asyncio.create_task(self._listen(), name="hotelreviews-intelligence-listen")
            )
        notify.add_local_listener(self.committed)
        try:
            yield
        finally:
            notify.remove_local_listener(self.committed)
            await cancel_and_wait(tasks)

    async def run_once(self, engine: AsyncEngine) -> CatchUpReport | None:
        """Catch up now; None (logged) if it failed."""
        self.idle.clear()
        try:
            report = await catch_up(
                engine=engine,
                settings=self._settings,
                limit=self._settings.intelligence_batch_events,
                memory=self._memory,
            )
        except Exception as error:  # the next wake retries; nothing was half-applied
            self.stats.failures += 1
            logger.warning("review intelligence could not catch up (will retry): %r", error)
            return None
        finally:
            self.idle.set()
        self.stats.runs += 1
        self.last = report
        if report.events or report.resynchronised:
            logger.info(
                "review intelligence: %d events, %d hotels, %d reviews analysed, %d alerts%s",
                report.events,
                report.hotels,
                report.analysed,
                report.alerts,
                " (resynchronised every hotel)" if report.resynchronised else "",
            )
        return report

    async def _loop(self, engine: Callable[[], AsyncEngine]) -> None:
        while True:
            # Cleared before the run: a notice arriving during it wakes the next one at once.
            self._wake.clear()
            await self.run_once(engine())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.intelligence_poll_seconds)

    async def _listen(self) -> None:
        await notify.listen_for_notices(
            self._settings,
            state=self.stats,
            on_notice=lambda _data: self._wake.set(),
            on_subscribed=self._wake.set,
            on_error=self._count_error,
            what="events notices (review intelligence)",
        )

    def _count_error(self) -> None:
        self.stats.redis_errors += 1
