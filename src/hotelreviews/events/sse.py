"""The server-sent-events wire format (the WHATWG HTML standard's text/event-stream): pure
functions from events to the bytes a client parses."""

from __future__ import annotations

from typing import Any

import orjson

from hotelreviews.events.records import StoredEvent

HEARTBEAT = b": keep-alive\n\n"
# The event that ends a stream whose client fell behind (events.subscriber).
RECONNECT = "reconnect"


def retry_hint(milliseconds: int, *, last_event_id: int) -> bytes:
    """How long a client should wait before reconnecting, and where the stream stands (sent
    once, when it goes live): a block with an `id:` and no `data:` dispatches no event but
    sets the client's last event id, so that a client that started without one (live only)
    and drops before its first event resumes from here rather than from whatever is new
    when it reconnects."""
    return b"retry: %d\nid: %d\n\n" % (milliseconds, last_event_id)


def event_message(event: StoredEvent) -> bytes:
    """`id:` the event id, `event:` its kind, `data:` the event as JSON (one line: orjson
    escapes newlines inside strings, so the data never spans lines)."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (
        event.id,
        event.kind.encode(),
        orjson.dumps(event.as_data()),
    )


def reconnect_message(*, last_event_id: int, detail: str) -> bytes:
    """The last message of a stream that ends: no `id:` (the client's last id stays that of
    the last event it got), the id to resume after in the data."""
    data: dict[str, Any] = {"last_event_id": last_event_id, "detail": detail}
    return b"event: %s\ndata: %s\n\n" % (RECONNECT.encode(), orjson.dumps(data))
