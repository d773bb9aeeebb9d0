"""Immediate revocation of access tokens: each user's token version, as this process knows it.

An access token is a signed JWT, valid until it expires wherever it is checked. To refuse one
earlier, every token carries its user's token version (claim `ver`, users.token_version), and
a token whose version is not the user's current one is refused. The version is bumped by
logout, disabling, a role removal and a refresh token's reuse (security.service), in the
transaction that does it.

Checking the database on every request would cost a round trip each; instead this process
keeps each user's version for `HOTELREVIEWS_TOKEN_VERSION_CACHE_SECONDS` (1 s): a cached check
is a dict look-up, and the TTL bounds how long a revoked token works on a process that hears
nothing. With Redis, the process that bumped a version publishes it on the invalidation
channel (redislink.channel) and every process drops its copy at once — and keeps the announced
version as a floor, so that a read from a replica that has not replayed the bump yet cannot
bring the old version back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Protocol

from hotelreviews.cache.codec import DecodeError, TokensRevoked, decode_message
from hotelreviews.cache.invalidation import invalidation_channel, publish_revocation
from hotelreviews.cache.stats import CacheStats
from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.core.settings import Settings
from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.redislink.channel import listen
from hotelreviews.redislink.client import redis_client
from hotelreviews.routing.router import DatabaseRouter
from hotelreviews.security import service
from hotelreviews.security.errors import CredentialsUnverifiable, InvalidToken

logger = logging.getLogger("hotelreviews.security")

# Past this many users remembered, start afresh (a dict of ints: a bound, not a tuning knob).
_MAX_REMEMBERED = 100_000


class Announcer(Protocol):
    async def announce(self, revoked: TokensRevoked) -> None: ...


class Publisher:
    """Announces revocations to the API processes (the CLI: it checks no tokens itself)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def announce(self, revoked: TokensRevoked) -> None:
        await publish_revocation(settings=self._settings, revoked=revoked)


class TokenVersions:
    """One API process's users' token versions (None: disabled or gone), each for a TTL."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._ttl = settings.token_version_cache_seconds
        # user id -> (current version or None, monotonic time it is trusted until)
        self._entries: dict[int, tuple[int | None, float]] = {}
        # user id -> the highest version announced: a lagging read never goes below it.
        self._floors: dict[int, int] = {}
        # Bumped whenever entries are dropped: a read begun before is not remembered.
        self._generation = 0
        self.stats = CacheStats()  # subscribed, redis_errors, invalidations (revocations heard)

    async def check(self, *, user_id: int, version: int, router: DatabaseRouter) -> None:
        """InvalidToken unless `version` is the user's current token version."""
        entry = self._entries.get(user_id)
        if entry is not None and entry[1] > time.monotonic():
            current = entry[0]
        else:
            current = await self._read(user_id, router)
        if current != version:
            raise InvalidToken("the access token is no longer valid: refresh it or log in again")

    def apply(self, revoked: TokensRevoked) -> None:
        """A revocation (from Redis, or made by this process): refuse older tokens now."""
        if len(self._floors) >= _MAX_REMEMBERED:
            self._floors.clear()
        floor = self._floors.get(revoked.user_id, revoked.token_version)
        self._floors[revoked.user_id] = max(floor, revoked.token_version)
        self._entries.pop(revoked.user_id, None)
        self._generation += 1
        self.stats.invalidations += 1

    async def announce(self, revoked: TokensRevoked) -> None:
        """This process's own revocation: applied here at once, then published."""
        self.apply(revoked)
        await publish_revocation(settings=self._settings, revoked=revoked)

    def forget(self) -> None:
        """Drop every entry (the floors stay): the next check of each user reads again."""
        self._entries.clear()
        self._generation += 1

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Listen for revocations on Redis (when configured) while the block runs."""
        if self._settings.redis_url is None:
            yield
            return
        client = redis_client(
            self._settings.redis_url.get_secret_value(),
            timeout=self._settings.redis_timeout_seconds,
        )
        task = asyncio.create_task(
            listen(
                client,
                invalidation_channel(self._settings),
                state=self.stats,
                on_message=self._receive,
                # Revocations sent while not subscribed are lost: read every user again.
                on_subscribed=self.forget,
                # Counted here only: the cache's error metric is the response cache's.
                on_error=self._count_error,
                what="token revocations",
            ),
            name="hotelreviews-token-revocations",
        )
        try:
            yield
        finally:
            await cancel_and_wait([task])
            await client.aclose()

    async def _read(self, user_id: int, router: DatabaseRouter) -> int | None:
        generation = self._generation
        try:
            current, _ = await router.read(service.current_token_version, user_id=user_id)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            raise CredentialsUnverifiable(
                "the access token cannot be checked right now (the database is unavailable); "
                "try again shortly"
            ) from exc
        floor = self._floors.get(user_id)
        if current is not None and floor is not None and floor > current:
            current = floor  # the replica has not replayed the announced bump yet
        if generation == self._generation:
            if len(self._entries) >= _MAX_REMEMBERED:
                self._entries.clear()
            self._entries[user_id] = (current, time.monotonic() + self._ttl)
        return current

    def _count_error(self) -> None:
        self.stats.redis_errors += 1

    def _receive(self, data: bytes) -> None:
        try:
            message = decode_message(data)
        except DecodeError as error:
            self.stats.redis_errors += 1
            logger.warning("unreadable invalidation message: %s", error)
            self.forget()
            return
        if isinstance(message, TokensRevoked):
            self.apply(message)
