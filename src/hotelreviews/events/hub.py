"""One process's live events: ONE reader of the outbox, fanned out to every streaming client.

However many clients stream from a process, it reads new events once (one query, whatever
their filters) and offers each to every client's bounded buffer (events.subscriber). It
reads when told that events were committed, and on a timer as a backstop:

- in this process at once (events.notify's local listeners: an ingestion run by the API);
- from other processes through ONE Redis subscription per process (when Redis is
  configured), re-made whenever it fails; each (re)subscription reads at once, since
  notices sent while it was down are lost;
- every `events_poll_seconds` (1 s) while a client is connected and no subscription is up
  (the embedded setup: the worker's events), or `events_poll_seconds_subscribed` while one is.

With no client connected it reads nothing, and forgets its position: the next client's
subscription starts from the table's last id (read under the same lock as the reads, so that
the client's own replay and the hub's reads leave no gap between them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.errors import TryAgainLater
from hotelreviews.core.settings import Settings
from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.events import notify
from hotelreviews.events import repository as repo
from hotelreviews.events.records import StoredEvent
from hotelreviews.events.stopping import ending_streams_on_stop
from hotelreviews.events.subscriber import Subscriber

logger = logging.getLogger("hotelreviews.events")

READ_PAGE = 500
_RETRY_AFTER_FAILURE_SECONDS = 1.0


class EventStreamsBusy(TryAgainLater):
    """The process serves as many event streams as it may."""

    code = "event_streams_busy"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this server streams events to {limit} clients already; try again shortly, "
            "another instance, or the JSON polling mode (Accept: application/json)",
            retry_after_seconds=5,
        )


@dataclass(slots=True)
class HubStats:
    subscribed: bool = False  # to the Redis channel, right now
    reads: int = 0  # of the table
    notices: int = 0  # received from Redis
    redis_errors: int = 0
    dropped_clients: int = 0  # told to reconnect: their buffer was full


def _not_running() -> AsyncEngine:
    raise RuntimeError("the event hub is not running (EventHub.running)")


class EventHub:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Asked at each read, not kept: the primary can move while the process runs (dr.rds).
        self._engine: Callable[[], AsyncEngine] = _not_running
        self._subscribers: set[Subscriber] = set()
        # Every event up to this id has been offered to the subscribers; None: not known
        # (no subscriber since the last one left).
        self._position: int | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self.streams = 0
        self.stats = HubStats()

    @contextlib.asynccontextmanager
    async def running(self, engine: Callable[[], AsyncEngine]) -> AsyncIterator[None]:
        """Read (from `engine()`, the primary) and fan out events while the block runs; end
        every stream when it ends."""
        self._engine = engine
        tasks = [asyncio.create_task(self._pump(), name="hotelreviews-events-pump")]
        if self._settings.redis_url is not None:
            tasks.append(asyncio.create_task(self._listen(), name="hotelreviews-events-listen"))
        notify.add_local_listener(self.committed)
        try:
            with ending_streams_on_stop(self.end_streams):
                yield
        finally:
            notify.remove_local_listener(self.committed)
            await cancel_and_wait(tasks)
            self.end_streams()

    def end_streams(self) -> None:
        """End every stream (with a `reconnect` event): the process is stopping."""
        for subscriber in list(self._subscribers):
            subscriber.close()

    def committed(self, up_to: int) -> None:
        """Events up to `up_to` are committed: read them now if they are new to us."""
        if self._subscribers and (self._position is None or up_to > self._position):
            self._wake.set()

    def take_stream_slot(self) -> Callable[[], None]:
        """Count a stream; the function that gives its slot back (call it once).
        EventStreamsBusy past events_max_streams."""
        limit = self._settings.events_max_streams
        if self.streams >= limit:
            raise EventStreamsBusy(limit)
        self.streams += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.streams -= 1

        return release

    async def subscribe(self, subscriber: Subscriber) -> int:
        """Offer every event after the returned id to `subscriber` (until unsubscribed).

        The subscriber has the events up to that id to read from the table itself: all of
        them are committed (ids commit in order) and none will be offered.
        """
        async with self._lock:
            # Without subscribers nothing was read: where the hub stands is the table's end.
            if self._position is None or not self._subscribers:
                async with read_transaction(self._engine()) as connection:
                    self._position = await repo.last_id(connection)
            if not self._subscribers:
                # The pump waits without a timer while no one listens: start its polls.
                self._wake.set()
            self._subscribers.add(subscriber)
            return self._position

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        if subscriber.overflowed:
            self.stats.dropped_clients += 1
        if not self._subscribers:
            self._position = None

    def _interval(self) -> float:
        settings = self._settings
        if self.stats.subscribed:
            return settings.events_poll_seconds_subscribed
        return settings.events_poll_seconds

    async def _pump(self) -> None:
        while True:
            if self._subscribers:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._interval())
            else:
                await self._wake.wait()
            self._wake.clear()
            try:
                await self.read_new()
            except Exception as error:  # a database blip must not end the live streams
                logger.warning("could not read new events (will retry): %r", error)
                await asyncio.sleep(_RETRY_AFTER_FAILURE_SECONDS)

    async def read_new(self) -> None:
        """Read the events after our position and offer each to every subscriber."""
        async with self._lock:
            while self._subscribers and self._position is not None:
                async with read_transaction(self._engine()) as connection:
                    rows = await repo.read_after(connection, after=self._position, limit=READ_PAGE)
                self.stats.reads += 1
                for row in rows:
                    event = StoredEvent.of(row)
                    for subscriber in list(self._subscribers):
                        subscriber.offer(event)
                    self._position = event.id
                if len(rows) < READ_PAGE:
                    return

    async def _listen(self) -> None:
        await notify.listen_for_notices(
            self._settings,
            state=self.stats,
            on_notice=self._notice,
            # Notices sent while not subscribed are lost: read the table now.
            on_subscribed=self._wake.set,
            on_error=self._count_error,
            what="events notices",
        )

    def _notice(self, data: bytes) -> None:
        self.stats.notices += 1
        up_to = notify.decode_notice(data)
        if up_to is None:
            self._wake.set()  # not ours to read: read the table rather than guess
        else:
            self.committed(up_to)

    def _count_error(self) -> None:
        self.stats.redis_errors += 1
