"""`GET /api/v1/events`: what changed, as server-sent events or as JSON pages.

- `Accept: text/event-stream`: a stream (events.stream) that replays from Last-Event-ID (or
  `last_event_id`, for an EventSource's first connection) and then goes live; it ends with a
  `reconnect` event if the client falls behind. At most `events_max_streams` per process:
  beyond, 503 event_streams_busy.
- Anything else: one JSON page of the events after `after` (or Last-Event-ID), oldest first,
  with the id to ask after next: the polling mode.

Public data for anyone the policy admits, except alert events, which only managers (of their
hotels' alerts) and analysts get (the same people and alerts GET /api/v1/alerts admits), and
ingestion events, which admins and analysts get for every ingestion and `ingest` identities for
those they queued (who sees which ingestion: ingestion.runs.access). A `hotel_id` filter leaves
ingestion events out.
Never cached: `no-store`, and the response cache passes event-stream requests through
(cache.middleware).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import Field, WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from hotelreviews.api.deps import BIGINT_MAX, Db
from hotelreviews.api.problem_details import PROBLEMS
from hotelreviews.api.responses import json_response
from hotelreviews.events import service
from hotelreviews.events.hub import EventHub
from hotelreviews.events.records import EventFilter
from hotelreviews.events.schemas import EventKind, EventPage
from hotelreviews.events.stream import event_stream
from hotelreviews.security.hotel_scope import hotel_scope
from hotelreviews.security.http import CurrentIdentity

router = APIRouter(prefix="/events", tags=["events"])

EVENT_STREAM = "text/event-stream"
MAX_HOTELS = 50
MAX_PAGE = 500
EventId = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
HotelId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
_NEVER_STORED = {"Cache-Control": "no-store"}
_STREAM_HEADERS = {
    **_NEVER_STORED,
    # nginx and the like would otherwise hold events back to fill their buffers.
    "X-Accel-Buffering": "no",
}
_STREAM_DOC = (
    "With `Accept: text/event-stream`: server-sent events, one per event (`id:` the event "
    "id, `event:` its kind, `data:` the event as JSON, as in the JSON items), `: keep-alive` "
    "comments while idle, and, when the client falls behind, a last `event: reconnect` whose "
    "data names the id to resume after (`last_event_id`)."
)
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The events after the given id, oldest first.",
        "content": {
            EVENT_STREAM: {
                "schema": {"type": "string", "description": _STREAM_DOC},
                "example": 'id: 42\nevent: reviews\ndata: {"id":42,"kind":"reviews",...}\n\n',
            }
        },
    },
    **PROBLEMS,
    503: {
        **PROBLEMS[503],
        "description": "Try again after Retry-After: this server streams to as many clients "
        "as it may (event_streams_busy; the JSON mode is not capped), the query ran past its "
        "time (query_timeout), or the database is unavailable (database_unavailable)",
    },
}


class EventStreamResponse(StreamingResponse):
    """A stream that gives its slot back (EventHub.stream_slot) however it ends."""

    def __init__(self, content: AsyncIterator[bytes], *, release: Callable[[], None]) -> None:
        super().__init__(content, media_type=EVENT_STREAM, headers=_STREAM_HEADERS)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


@router.get("", response_model=EventPage, responses=RESPONSES)
async def events(
    request: Request,
    db: Db,
    identity: CurrentIdentity,
    hotel_id: Annotated[
        list[HotelId] | None,
        Query(
            max_length=MAX_HOTELS,
            description="Only these hotels (repeat, up to 50); leaves ingestion events out.",
        ),
    ] = None,
    kind: EventKind | None = None,
    after: Annotated[
        EventId | None,
        Query(description="The events after this id (the last one you got); default: all kept."),
    ] = None,
    last_event_id: Annotated[
        EventId | None,
        Query(description="As after (for an EventSource, which sets no header at first)."),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="JSON mode: events per page.")
    ] = 100,
    last_event_id_header: Annotated[
        EventId | None,
        Header(
            alias="Last-Event-ID",
            description="The last id you got; wins over the query (an EventSource sends it "
            "when it reconnects).",
        ),
        # Absent or a number, not null: a header is a string ("null" is no id). The schema
        # promises no more than the server takes.
        WithJsonSchema({"type": "integer", "minimum": 0, "maximum": BIGINT_MAX}),
    ] = None,
) -> Response:
    """New and updated reviews per hotel, alerts (managers, analysts and admins only) and
    ingestions' progress (the ingestions the caller may read), as a server-sent-events stream
    or as JSON pages (polling)."""
    event_filter = EventFilter.for_client(
        hotel_ids=hotel_id or (),
        kind=kind,
        identity=identity,
        alert_hotel_ids=await service.alert_hotel_ids(engine=db, scope=hotel_scope(identity)),
    )
    position = next(
        (given for given in (last_event_id_header, last_event_id, after) if given is not None),
        None,
    )
    if EVENT_STREAM in request.headers.get("accept", ""):
        hub: EventHub = request.app.state.event_hub
        release = hub.take_stream_slot()
        app_router = request.app.state.router

        def primary() -> AsyncEngine:
            engine: AsyncEngine = app_router.primary.engine
            return engine

        chunks = event_stream(
            hub=hub,
            engine=primary,
            settings=request.app.state.settings,
            event_filter=event_filter,
            after=position,
        )
        return EventStreamResponse(chunks, release=release)
    page = await service.events_page(
        engine=db, event_filter=event_filter, after=position or 0, limit=limit
    )
    response = json_response(page)
    response.headers.update(_NEVER_STORED)
    return response
