"""Listening to a Redis pub/sub channel: one subscription, kept alive whatever Redis does.

The invalidation channel carries two kinds of message (cache.codec): data version bumps
(cache.sync) and token revocations (security.token_versions). Each listener receives every
message and keeps the kind it wants. The subscription is made again (after a growing pause)
whenever it fails or falls silent; each time it is made, `on_subscribed` runs, because
messages sent while it was down are lost and the listener must catch up some other way (the
database).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

from hotelreviews.redislink.client import REDIS_ERRORS

logger = logging.getLogger("hotelreviews.redislink")

# After this long without a word on the subscription (a PING goes out after each quiet
# second), it is taken for dead and made again.
SILENCE_SECONDS = 3.0
_FIRST_RETRY_SECONDS = 0.1
_MAX_RETRY_SECONDS = 2.0


class SubscriptionState(Protocol):
    """Where a listener shows whether it is subscribed right now (its stats, for /readyz)."""

    subscribed: bool


async def listen(
    client: Redis,
    channel: str,
    *,
    state: SubscriptionState,
    on_message: Callable[[bytes], None],
    on_subscribed: Callable[[], None],
    on_error: Callable[[], None],
    what: str,
) -> None:
    """Run until cancelled: deliver each message's data to `on_message`; `on_error` counts
    each failure of the subscription. `what` names the listener in the log ("cache
    invalidations")."""
    retry_in = _FIRST_RETRY_SECONDS
    reported = False  # that the subscription is down (logged once per outage)
    while True:
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(channel)
            loop = asyncio.get_running_loop()
            heard = loop.time()
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    if loop.time() - heard > SILENCE_SECONDS:
                        raise ConnectionError("the subscription went silent (no PONG)")
                    await pubsub.ping()
                    continue
                heard = loop.time()
                if message["type"] == "subscribe":
                    if not state.subscribed:
                        logger.info("listening for %s on Redis", what)
                    state.subscribed = True
                    retry_in, reported = _FIRST_RETRY_SECONDS, False
                    on_subscribed()
                elif message["type"] == "message":
                    on_message(message["data"])
        except REDIS_ERRORS as error:
            on_error()
            if not reported:
                reported = True
                logger.warning(
                    "no subscription for %s (%r); retrying, and the database poll keeps "
                    "this process current meanwhile",
                    what,
                    error,
                )
        finally:
            state.subscribed = False
            with contextlib.suppress(*REDIS_ERRORS):
                await pubsub.aclose()
        await asyncio.sleep(retry_in)
        retry_in = min(retry_in * 2, _MAX_RETRY_SECONDS)
