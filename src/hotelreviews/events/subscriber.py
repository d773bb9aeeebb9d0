"""One streaming client's place in the hub: its filter and a bounded buffer of live events.

The buffer holds at most `capacity` events. A client that reads slower than events arrive
fills it; instead of growing without bound (memory) or blocking the hub (every other
client), the buffer is dropped and the client marked overflowed: its stream then tells it to
reconnect from its last id and ends. It loses nothing: on reconnection it replays from the
table, at its own pace.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from hotelreviews.events.records import EventFilter, StoredEvent


class Subscriber:
    def __init__(self, event_filter: EventFilter, *, capacity: int) -> None:
        self.filter = event_filter
        self.capacity = capacity
        self.overflowed = False
        self.closed = False
        self._buffer: deque[StoredEvent] = deque()
        self._ready = asyncio.Event()

    def offer(self, event: StoredEvent) -> None:
        """Buffer the event if the client wants it (never blocks)."""
        if self.overflowed or self.closed or not self.filter.matches(event):
            return
        if len(self._buffer) >= self.capacity:
            self.overflowed = True
            self._buffer.clear()
        else:
            self._buffer.append(event)
        self._ready.set()

    def close(self) -> None:
        """The process is stopping: the stream ends (the client reconnects, elsewhere)."""
        self.closed = True
        self._ready.set()

    async def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for something to do; whether there is."""
        if not self._ready.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), seconds)
        return self._ready.is_set()

    def take(self) -> list[StoredEvent]:
        """The buffered events, oldest first, emptying the buffer."""
        events = list(self._buffer)
        self._buffer.clear()
        self._ready.clear()
        return events
