"""Review intelligence inside the API process, for the embedded default.

`make run` starts `hotelreviews serve` on SQLite and no worker, so nothing else would analyse,
score and alert on new batches: the API process runs the runner's background task itself
(intelligence.runner.background) when `Settings.intelligence_runs_in_server` says so (by
default: intelligence enabled and the database embedded; HOTELREVIEWS_INTELLIGENCE_IN_SERVER
overrides). With PostgreSQL the workers run it, and the API processes stay lean.

The task starts with the lifespan without waiting for a first catch-up (start-up is not
delayed), is woken at once by this process's own ingestions (events.notify's local notices)
and otherwise polls; failures are logged and retried at the next wake, and it is cancelled
cleanly when the lifespan ends. Several uvicorn workers each run one safely: runners take turns
(a write re-checks the stored cursor and gives its plan up if another runner moved it).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.intelligence.runner.background import BackgroundRunner

logger = logging.getLogger("hotelreviews.intelligence")


@contextlib.asynccontextmanager
async def intelligence_in_server(
    settings: Settings, engine: Callable[[], AsyncEngine]
) -> AsyncIterator[BackgroundRunner | None]:
    """The runner in the background for the block (None when this process runs none)."""
    if not settings.intelligence_runs_in_server:
        yield None
        return
    runner = BackgroundRunner(settings)
    logger.info("review intelligence runs in this API process")
    async with runner.running(engine):
        yield runner
