"""A Redis client that fails fast, and what a failed call raises.

Every user of Redis (cache, protection, security) catches REDIS_ERRORS around its calls and
carries on without Redis; a breaker (redislink.breaker) spares it the waiting.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

# What a failed Redis call raises: redis-py's errors (its ConnectionError and TimeoutError
# included), and the OS's or asyncio's when they escape it.
REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


def redis_client(url: str, *, timeout: float) -> Redis:
    """A client (a lazily filled connection pool) that fails fast: no retries, short timeouts.

    Retrying is the breaker's job; redis-py's own retries would hold a request for seconds.
    """
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
