"""Counters of the response cache: plain attributes, cheap to bump on the hot path.

Read by the tests and (later) exported as metrics; nothing here resets them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class CacheStats:
    hits: int = 0  # answered from this process (its memory, or another request's fill)
    shared_hits: int = 0  # answered from Redis, without running the application
    misses: int = 0  # ran the application
    redis_errors: int = 0  # failed Redis calls: reads, writes, publishes, the subscription
    invalidations: int = 0  # invalidation messages applied
    catch_ups: int = 0  # database reads that found versions no message had brought
    subscribed: bool = False  # listening for invalidation messages right now


# The counters of this process's publishing side (ingestion), which has no app to hang them on.
publisher_stats = CacheStats()
