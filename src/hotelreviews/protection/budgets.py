"""How many requests a key may still make in the current window, shared by every instance.

A request must not wait on Redis (a round trip costs more than a cached response), so each
instance claims a share of a window's limit from the shared counter at once (`Rate.claim`,
a tenth of the limit) and admits requests against it in memory. A claim is one INCRBY on the
window's key: the instance gets what the counter's old value left of the limit, at most the
claim. So the instances together never admit more than the limit in a window (no overshoot);
the price is that up to `claim - 1` requests per instance may go unused in a window (a
client spread over N instances can be refused up to N × (claim - 1) short of the limit).
Strict, low limits (login: 10/minute) claim one request at a time: exact, a round trip each.

Without Redis, or while it is unreachable (a breaker skips it after a failure, then probes
it), claims come from a counter in this process instead: every instance then enforces the
whole limit on its own. Requests are never failed because Redis is down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from hotelreviews.protection.rules import Rate
from hotelreviews.redislink.breaker import Breaker
from hotelreviews.redislink.client import REDIS_ERRORS

logger = logging.getLogger("hotelreviews.protection")
_MAX_BUCKETS = 100_000


@dataclass(slots=True)
class _Bucket:
    window: int
    granted: int = 0  # claimed for this window
    used: int = 0  # admitted in this window
    exhausted: bool = False  # the shared counter has nothing left for this window
    claim: asyncio.Future[None] | None = None  # the claim in flight, for its waiters


class Budgets:
    def __init__(
        self,
        *,
        redis: Redis | None,
        prefix: str,
        clock: Callable[[], float] = time.time,
        breaker: Breaker | None = None,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._breaker = breaker or Breaker(first_wait=0.5, max_wait=5.0)
        self._buckets: dict[str, dict[str, _Bucket]] = {}
        # The in-process counters claims come from without Redis: by rate, (window, key).
        self._local: dict[str, dict[tuple[int, str], int]] = {}
        self.redis_errors = 0

    def take(self, rate: Rate, key: str) -> bool | None:
        """Admit (True) or refuse (False) from what this instance holds; None: claim first."""
        window = int(self._clock() // rate.window_seconds)
        buckets = self._buckets.get(rate.name)
        if buckets is None:
            buckets = self._buckets[rate.name] = {}
        bucket = buckets.get(key)
        if bucket is None:
            if len(buckets) >= _MAX_BUCKETS:
                self._sweep(buckets, window)
            buckets[key] = _Bucket(window)
            return None
        if bucket.window != window:
            bucket.window, bucket.granted, bucket.used, bucket.exhausted = window, 0, 0, False
        if bucket.used < bucket.granted:
            bucket.used += 1
            return True
        return False if bucket.exhausted else None

    async def admit(self, rate: Rate, key: str) -> bool:
        """Admit or refuse, claiming from the shared counter when this instance holds none."""
        while True:
            verdict = self.take(rate, key)
            if verdict is not None:
                return verdict
            bucket = self._buckets[rate.name][key]
            if bucket.claim is not None:
                # One claim per key at a time: the others wait for it, then take from it.
                await asyncio.shield(bucket.claim)
                continue
            window = bucket.window
            flight = bucket.claim = asyncio.get_running_loop().create_future()
            try:
                granted = await self._claim(rate, key, window)
                if bucket.window == window:
                    bucket.granted += granted
                    if granted < rate.claim:
                        bucket.exhausted = True
            finally:
                bucket.claim = None
                flight.set_result(None)

    def seconds_left(self, rate: Rate) -> int:
        """Until the current window ends (Retry-After, RateLimit-Reset): at least 1."""
        now = self._clock()
        end = (int(now // rate.window_seconds) + 1) * rate.window_seconds
        return max(1, int(end - now + 0.999))

    async def _claim(self, rate: Rate, key: str, window: int) -> int:
        if self._redis is not None and self._breaker.allow():
            name = f"{self._prefix}ratelimit:{rate.name}:{window}:{key}"
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.incrby(name, rate.claim)
                    pipe.expire(name, rate.window_seconds + 1)
                    total, _ = await pipe.execute()
            except REDIS_ERRORS as error:
                self.redis_errors += 1
                if self._breaker.failed():
                    logger.warning(
                        "Redis unavailable for rate limits (%r); each instance enforces them "
                        "on its own until it answers again",
                        error,
                    )
            else:
                if self._breaker.succeeded():
                    logger.info("Redis answers again; rate limits are shared again")
                return _share(rate, int(total))
        counters = self._local.setdefault(rate.name, {})
        if len(counters) >= _MAX_BUCKETS:
            for stale in [k for k in counters if k[0] != window]:
                del counters[stale]
        total = counters.get((window, key), 0) + rate.claim
        counters[window, key] = total
        return _share(rate, total)

    def _sweep(self, buckets: dict[str, _Bucket], window: int) -> None:
        """Forget keys of past windows (what they hold is void); all of them if none is."""
        stale = [key for key, bucket in buckets.items() if bucket.window != window]
        for key in stale:
            del buckets[key]
        if len(buckets) >= _MAX_BUCKETS:
            # Dropping held claims only loses unused requests: never admits more.
            buckets.clear()


def _share(rate: Rate, total: int) -> int:
    """What a claim gets when the counter stands at `total` after it: the part within the limit."""
    return max(0, min(rate.claim, rate.limit - (total - rate.claim)))
