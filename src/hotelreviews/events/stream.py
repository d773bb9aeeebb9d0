"""One client's event stream: the events it missed, read from the table, then live ones from
the hub, without a gap or a duplicate at the switch.

1. Replay: events after the client's last id, page by page from the table, until a page
   comes back short (`after` None: no replay, live events only).
2. Subscribe to the hub: it offers every event after its position P; all events up to P are
   committed (ids commit in order, events.repository.insert).
3. Replay again, up to the table's end: covers whatever committed between 1 and 2, so every
   event up to P is sent; live events at or below the last id sent are skipped (the hub may
   offer ones the second replay already sent).
4. Live (the `retry:` hint first, with the `id:` the client stands at): the buffer's events
   as they come, a heartbeat comment when idle, and the end (a `reconnect` event) if the
   buffer overflowed or the process is stopping (events.stopping).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.events import repository as repo
from hotelreviews.events import sse
from hotelreviews.events.hub import EventHub
from hotelreviews.events.records import EventFilter, StoredEvent
from hotelreviews.events.subscriber import Subscriber

REPLAY_PAGE = 500


async def event_stream(
    *,
    hub: EventHub,
    engine: Callable[[], AsyncEngine],
    settings: Settings,
    event_filter: EventFilter,
    after: int | None,
) -> AsyncIterator[bytes]:
    """The stream's chunks, until the client leaves, falls behind or the process stops."""
    sent = after
    if after is not None:
        async for event in _replay(engine, event_filter, after=after):
            yield sse.event_message(event)
            sent = event.id
    subscriber = Subscriber(event_filter, capacity=settings.events_client_buffer)
    position = await hub.subscribe(subscriber)
    try:
        # Once subscribed: a client that has read it knows that whatever commits from now
        # on reaches it, and that it has been sent (or spared) every event up to its id.
        replaying = sent is not None
        if sent is None:
            sent = position  # live only: from what is committed now
        yield sse.retry_hint(settings.events_retry_milliseconds, last_event_id=sent)
        if replaying:
            async for event in _replay(engine, event_filter, after=sent):
                yield sse.event_message(event)
                sent = event.id
        while True:
            if not await subscriber.wait(settings.events_heartbeat_seconds):
                yield sse.HEARTBEAT
                continue
            if subscriber.overflowed:
                yield sse.reconnect_message(
                    last_event_id=sent,
                    detail="this client fell behind the live events; reconnect with "
                    "Last-Event-ID to get the rest from the stored events",
                )
                return
            for event in subscriber.take():
                if event.id > sent:
                    yield sse.event_message(event)
                    sent = event.id
            if subscriber.closed:
                yield sse.reconnect_message(
                    last_event_id=sent,
                    detail="this server is stopping; reconnect with Last-Event-ID",
                )
                return
    finally:
        hub.unsubscribe(subscriber)


async def _replay(
    engine: Callable[[], AsyncEngine], event_filter: EventFilter, *, after: int
) -> AsyncIterator[StoredEvent]:
    """The stored events after `after` that pass the filter, in id order, to the table's end."""
    while True:
        async with read_transaction(engine()) as connection:
            rows = await repo.read_for(connection, event_filter, after=after, limit=REPLAY_PAGE)
        for row in rows:
            event = StoredEvent.of(row)
            yield event
            after = event.id
        if len(rows) < REPLAY_PAGE:
            return
