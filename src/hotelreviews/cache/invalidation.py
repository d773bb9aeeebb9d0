"""Telling every API process about a committed batch, or a user's revoked access tokens: one
Redis message on one channel.

Best effort by design: the versions are already committed in the database, which every
process polls; a message only brings them sooner. So a publish that fails (Redis down or slow)
is counted and logged once, never raised, and costs the ingester at most one short timeout
per breaker wait while Redis is away.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cache.codec import TokensRevoked, encode_bump, encode_revocation
from hotelreviews.cache.stats import publisher_stats
from hotelreviews.cache.versions import VersionBump
from hotelreviews.core.settings import Settings
from hotelreviews.observability.metrics import CACHE_ERRORS
from hotelreviews.redislink.breaker import Breaker
from hotelreviews.redislink.client import REDIS_ERRORS, redis_client
from hotelreviews.routing import consistency_token, parse_lsn

logger = logging.getLogger("hotelreviews.cache")

# One per Redis URL, for the life of the process (an ingester publishes after every batch).
_breakers: dict[str, Breaker] = {}


def invalidation_channel(settings: Settings) -> str:
    return f"{settings.redis_key_prefix}invalidations"


async def publish_committed(
    *, settings: Settings, engine: AsyncEngine, bump: VersionBump | None
) -> None:
    """Publish what a batch just committed (call it after the commit, never inside)."""
    if bump is None or settings.redis_url is None:
        return
    url = settings.redis_url.get_secret_value()
    breaker = _breakers.setdefault(url, Breaker())
    if not breaker.allow():
        return
    try:
        # After the commit, the primary's WAL position is at or past it: API processes fill
        # the new version's entries only from a database that has replayed that far.
        token = await consistency_token(engine)
    except Exception as exc:  # the batch is committed whatever happens here
        logger.warning("could not read the WAL position after a batch: %r", exc)
        return
    message = encode_bump(replace(bump, lsn=None if token is None else parse_lsn(token)))
    await _publish(
        settings,
        breaker,
        message,
        missed="a cache invalidation (%r); API processes see the new data at their next"
        " database poll instead",
    )


async def publish_revocation(*, settings: Settings, revoked: TokensRevoked) -> None:
    """Publish that a user's access tokens are revoked (after the commit that bumped the
    version). Best effort like the rest: without it, processes notice within
    HOTELREVIEWS_TOKEN_VERSION_CACHE_SECONDS."""
    if settings.redis_url is None:
        return
    url = settings.redis_url.get_secret_value()
    breaker = _breakers.setdefault(url, Breaker())
    if not breaker.allow():
        return
    await _publish(
        settings,
        breaker,
        encode_revocation(revoked),
        missed="a token revocation (%r); API processes refuse the tokens once their cached"
        " token versions expire instead",
    )


async def _publish(settings: Settings, breaker: Breaker, message: bytes, *, missed: str) -> None:
    """One message on the channel; a failure is counted and logged once per breaker trip
    (`missed`: what was not sent and what happens instead, with a %r for the error)."""
    assert settings.redis_url is not None
    # A connection per publish: batches are seconds apart, and nothing is left open between.
    client = redis_client(
        settings.redis_url.get_secret_value(), timeout=settings.redis_timeout_seconds
    )
    try:
        await client.publish(invalidation_channel(settings), message)
    except REDIS_ERRORS as error:
        publisher_stats.redis_errors += 1
        CACHE_ERRORS.inc()
        if breaker.failed():
            logger.warning("could not publish " + missed, error)
        return
    finally:
        with contextlib.suppress(*REDIS_ERRORS):
            await client.aclose()
    if breaker.succeeded():
        logger.info("publishing cache invalidations to Redis again")
