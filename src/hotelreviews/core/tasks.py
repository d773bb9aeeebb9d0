"""Ending background tasks for good."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

logger = logging.getLogger("hotelreviews")

_CANCEL_ATTEMPTS = 10
_CANCEL_WAIT_SECONDS = 0.5


async def cancel_and_wait(tasks: Iterable[asyncio.Task[None]]) -> None:
    """Cancel `tasks` and wait until they have ended.

    A cancellation can be swallowed by a library while it connects (redis-py, subscribing to
    the invalidation channel): the app then never finished shutting down when its startup
    was cut short — a port already in use left the process hanging. Cancel again until the
    task ends; give up on it (and say so) after a few seconds.
    """
    tasks = list(tasks)
    for _ in range(_CANCEL_ATTEMPTS):
        pending = [task for task in tasks if not task.done()]
        if not pending:
            break
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=_CANCEL_WAIT_SECONDS)
    for task in tasks:
        if not task.done():
            logger.warning("task %s did not end when cancelled; leaving it", task.get_name())
        elif not task.cancelled() and task.exception() is not None:
            logger.warning("task %s ended with %r", task.get_name(), task.exception())
