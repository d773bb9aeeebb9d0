"""Telling listeners that events up to id N are committed: in this process at once, in every
other process through one Redis channel (`<redis_key_prefix>events`).

The notice is tiny ("up to N", the id as ASCII digits) and carries no event: listeners read
the events themselves from the table, from where they are, so a notice lost, late, repeated
or out of order costs at most a delay (their poll finds the events anyway), never an event.
Best effort like the cache's invalidations: a failed publish is logged once per breaker trip,
never raised (the data is committed whatever happens here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from hotelreviews.core.settings import Settings
from hotelreviews.redislink.breaker import Breaker
from hotelreviews.redislink.channel import SubscriptionState, listen
from hotelreviews.redislink.client import REDIS_ERRORS, redis_client

logger = logging.getLogger("hotelreviews.events")

# The hubs and runners of this process (events.hub, intelligence.runner.background), woken with
# the last id committed, each with the event loop it runs on: the API process's runner has a
# thread and a loop of its own (app.intelligence), and asyncio objects are not thread-safe.
_local_listeners: dict[Callable[[int], None], asyncio.AbstractEventLoop | None] = {}
# One per Redis URL, for the life of the process.
_breakers: dict[str, Breaker] = {}


def events_channel(settings: Settings) -> str:
    return f"{settings.redis_key_prefix}events"


def encode_notice(up_to: int) -> bytes:
    return str(up_to).encode()


def decode_notice(data: bytes) -> int | None:
    """The id a notice names; None when it is not one of ours."""
    text = data.decode("ascii", "replace")
    return int(text) if text.isdigit() and len(text) <= 19 else None


def add_local_listener(listener: Callable[[int], None]) -> None:
    """Call `listener` on each announce, on the loop it is added from (if any)."""
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    _local_listeners[listener] = loop


def remove_local_listener(listener: Callable[[int], None]) -> None:
    _local_listeners.pop(listener, None)


def _wake_local(
    listener: Callable[[int], None], loop: asyncio.AbstractEventLoop | None, up_to: int
) -> None:
    try:
        current = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    if loop is None or loop is current:
        listener(up_to)
        return
    # Another thread's loop: hand the call over; a loop closed meanwhile has stopped listening.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(listener, up_to)


async def announce(*, settings: Settings, up_to: int | None) -> None:
    """Tell every listener that events up to `up_to` are committed (call it after the
    commit, never inside the transaction: a listener woken early would read nothing new)."""
    if up_to is None:
        return
    for listener, loop in list(_local_listeners.items()):
        _wake_local(listener, loop, up_to)
    if settings.redis_url is None:
        return
    url = settings.redis_url.get_secret_value()
    breaker = _breakers.setdefault(url, Breaker())
    if not breaker.allow():
        return
    # A connection per notice, as the cache's invalidations do: batches are seconds apart.
    client = redis_client(url, timeout=settings.redis_timeout_seconds)
    try:
        await client.publish(events_channel(settings), encode_notice(up_to))
    except REDIS_ERRORS as error:
        if breaker.failed():
            logger.warning(
                "could not publish an events notice (%r); other processes' streams get the "
                "events at their next poll of the table instead",
                error,
            )
        return
    finally:
        with contextlib.suppress(*REDIS_ERRORS):
            await client.aclose()
    if breaker.succeeded():
        logger.info("publishing events notices to Redis again")


async def listen_for_notices(
    settings: Settings,
    *,
    state: SubscriptionState,
    on_notice: Callable[[bytes], None],
    on_subscribed: Callable[[], None],
    on_error: Callable[[], None],
    what: str,
) -> None:
    """Run until cancelled: each notice on the events channel to `on_notice` (redislink's
    `listen`: one subscription, made again whenever it fails). Needs `settings.redis_url`."""
    assert settings.redis_url is not None
    client = redis_client(
        settings.redis_url.get_secret_value(), timeout=settings.redis_timeout_seconds
    )
    try:
        await listen(
            client,
            events_channel(settings),
            state=state,
            on_message=on_notice,
            on_subscribed=on_subscribed,
            on_error=on_error,
            what=what,
        )
    finally:
        await client.aclose()
