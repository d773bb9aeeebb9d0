"""Where cached responses live: the store interface and its in-process LRU implementation.

The interface is async so that a network store (cache.shared.RedisStore) has the same one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Headers = tuple[tuple[bytes, bytes], ...]

# What an entry costs beyond its bytes (the object, its tuples, the key and the LRU links), so
# that many tiny entries cannot exceed the byte bound unnoticed.
ENTRY_OVERHEAD_BYTES = 256


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A complete response as sent: status, headers (ETag and Cache-Control included), body."""

    status: int
    headers: Headers
    body: bytes
    etag: bytes
    cache_control: bytes
    # When it expires on the wall clock, for a response read from Redis (its remaining ttl
    # carries over to this process's memory); None for one this process made.
    expires_at: float | None = None

    @property
    def size(self) -> int:
        """Approximate memory held by the entry, in bytes."""
        return (
            len(self.body)
            + sum(len(name) + len(value) for name, value in self.headers)
            + ENTRY_OVERHEAD_BYTES
        )


class ResponseStore(Protocol):
    """A key-value store of responses with a lifetime per entry."""

    async def get(self, key: str) -> CachedResponse | None: ...

    async def set(self, key: str, response: CachedResponse, ttl: float) -> None: ...


class MemoryStore:
    """An LRU bounded by entry count and by total bytes; entries expire after their ttl.

    Single-threaded by design: it is used from one event loop and never awaits inside.
    """

    def __init__(
        self,
        *,
        max_entries: int,
        max_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._clock = clock
        # key -> (response, expiry time on the clock, size counted in self.bytes)
        self._entries: OrderedDict[str, tuple[CachedResponse, float, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> CachedResponse | None:
        found = self._entries.get(key)
        if found is None:
            return None
        response, expires_at, _ = found
        if self._clock() >= expires_at:
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return response

    async def set(self, key: str, response: CachedResponse, ttl: float) -> None:
        if key in self._entries:
            self._remove(key)
        size = response.size
        if size > self.max_bytes:
            return
        self._entries[key] = (response, self._clock() + ttl, size)
        self.bytes += size
        # Expired entries are not swept: they are dropped when read, or evicted in LRU order.
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._remove(next(iter(self._entries)))

    def _remove(self, key: str) -> None:
        _, _, size = self._entries.pop(key)
        self.bytes -= size
