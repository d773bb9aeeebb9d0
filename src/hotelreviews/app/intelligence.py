"""Review intelligence inside the API process, for the embedded default.

`make run` starts `hotelreviews serve` on SQLite and no worker, so nothing else would analyse,
score and alert on new batches: the API process runs the runner's background loop itself
(intelligence.runner.background) when `Settings.intelligence_runs_in_server` says so (by
default: intelligence enabled and the database embedded; HOTELREVIEWS_INTELLIGENCE_IN_SERVER
overrides). With PostgreSQL the workers run it, and the API processes stay lean.

The runner gets a thread with its own event loop and its own engine, not a task on the API's
loop: its work is CPU-bound, and a first catch-up over a new database (the demo's 100,000
reviews: about a minute) would otherwise hold every request for as long. On a thread, requests
only share the interpreter with it (they wait for the GIL's switch interval, milliseconds, not
for a whole batch). It starts with the lifespan without waiting for a first catch-up, is woken
at once by this process's own ingestions (events.notify hands the notice to its loop) and
otherwise polls; failures are logged and retried at the next wake. At shutdown it is told to
stop and given `STOP_SECONDS` to end its batch; a batch still running then is abandoned with the
process (its transaction rolls back: the runner re-runs it from its stored cursor). Several
uvicorn workers each run one safely: runners take turns (a write re-checks the stored cursor
and gives its plan up if another runner moved it). Its engine is made from the settings: with
HOTELREVIEWS_INTELLIGENCE_IN_SERVER=true on PostgreSQL it does not follow `dr rds promote` the
way the API's own router does (dr.rds.writer_follow) — the workers, which do, are the place for
it there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator

from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.intelligence.runner.background import BackgroundRunner, RunnerStats

logger = logging.getLogger("hotelreviews.intelligence")

THREAD_NAME = "hotelreviews-intelligence"
STOP_SECONDS = 10.0


class RunnerThread:
    """A `BackgroundRunner` on a thread of its own, with its own loop and engine."""

    def __init__(self, settings: Settings) -> None:
        self.runner = BackgroundRunner(settings)
        self._settings = settings
        self._thread = threading.Thread(target=self._main, name=THREAD_NAME, daemon=True)
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def stats(self) -> RunnerStats:
        return self.runner.stats

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()
        self._started.wait()

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception:  # logged: the API goes on without it (and says so)
            logger.exception("review intelligence stopped in this API process")

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._started.set()
        engine = create_engine(self._settings)
        try:
            async with self.runner.running(lambda: engine):
                await self._stop.wait()
                # Let a batch in flight end (its queries run on aiosqlite's threads, which
                # must not outlive this loop); stop() gives up waiting after STOP_SECONDS.
                await self.runner.idle.wait()
        finally:
            await engine.dispose()

    async def stop(self) -> None:
        """Ask the loop to end and wait up to STOP_SECONDS for it (not blocking this loop)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # its loop already closed
                loop.call_soon_threadsafe(stop.set)
        await asyncio.to_thread(self._thread.join, STOP_SECONDS)
        if self._thread.is_alive():
            logger.warning(
                "review intelligence still busy after %.0f s at shutdown: its batch is "
                "abandoned and re-run from the stored cursor at the next start",
                STOP_SECONDS,
            )


@contextlib.asynccontextmanager
async def intelligence_in_server(settings: Settings) -> AsyncIterator[RunnerThread | None]:
    """The runner on its thread for the block (None when this process runs none)."""
    if not settings.intelligence_runs_in_server:
        yield None
        return
    runner = RunnerThread(settings)
    runner.start()
    logger.info("review intelligence runs in this API process (on a thread of its own)")
    try:
        yield runner
    finally:
        await runner.stop()
