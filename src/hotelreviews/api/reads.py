"""Reads through the router, and the consistency-token headers of the HTTP API.

Read routes take the `Reads` dependency (api.deps) and call their one service function
through it::

    @router.get("/{hotel_id}")
    async def get_hotel(reads: Reads, hotel_id: HotelId) -> Response:
        return await reads.json(service.get_hotel, hotel_id=hotel_id)

The service function is called with `engine=` the chosen target's engine (a replica's, or
the primary's) plus the given arguments; it must only read, since a read that loses its
connection runs once more on another target. The response says who served it in
`X-Served-By: primary|replica`.

Write routes send the token of what they committed, so that the client's next reads see it::

    async with write_transaction(db) as connection:  # db: the Db dependency (the primary)
        ...
    response = json_response(body, status_code=202)
    return with_consistency_token(response, await token_after_commit(db))

A request presenting `X-Consistency-Token` is read from a replica that has replayed past it
(after a short bounded wait), else from the primary, and it bypasses the response cache.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.responses import json_response
from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.routing import DatabaseRouter, consistency_token

logger = logging.getLogger("hotelreviews.api")
CONSISTENCY_TOKEN_HEADER = "X-Consistency-Token"
_TOKEN_HEADER = CONSISTENCY_TOKEN_HEADER.lower().encode("latin-1")
SERVED_BY_HEADER = "X-Served-By"


class RoutedReads:
    """A request's reads: the app's router and the consistency token the client presented."""

    __slots__ = ("router", "token")

    def __init__(self, router: DatabaseRouter, token: int | None) -> None:
        self.router = router
        self.token = token

    async def json(self, use_case: Callable[..., Awaitable[Any]], /, **arguments: Any) -> Response:
        """`use_case(engine=..., **arguments)` on the right target, as a JSON response."""
        result, target = await self.router.read(use_case, token=self.token, **arguments)
        response = json_response(result)
        response.headers[SERVED_BY_HEADER] = target.role
        return response


def plain_reads(request: Request) -> RoutedReads | None:
    """What the `Reads` dependency (api.deps) gives a request without a consistency token, for
    fast paths (api.fast_path); None when the request presents one."""
    for name, _ in request.scope["headers"]:
        if name == _TOKEN_HEADER:
            return None
    return RoutedReads(request.app.state.router, None)


async def token_after_commit(engine: AsyncEngine) -> str | None:
    """The consistency token of a write just committed; None when the primary cannot say any
    more (it went away right after the commit). The write stands: answering 503 would make a
    client without an Idempotency-Key send it again. Without the token its next reads may
    miss the write for as long as a replica lags."""
    try:
        return await consistency_token(engine)
    except Exception as exc:
        if not is_connection_error(exc):
            raise
        logger.warning("committed, but its consistency token could not be read: %r", exc)
        return None


def with_consistency_token(response: Response, token: str | None) -> Response:
    """Add the token of a committed write (from `routing.consistency_token`) to its response."""
    if token is not None:
        response.headers[CONSISTENCY_TOKEN_HEADER] = token
    return response
