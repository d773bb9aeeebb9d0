"""The shared response cache as a pure ASGI middleware in front of the application.

It behaves like a CDN would: GET and HEAD requests under the API prefix that carry no
credentials are looked up by path, normalised query and data version. A hit is answered from
stored bytes, skipping routing, validation, the database and JSON. On a miss one request per
key runs the application (single flight) while the others wait for its response; a 200 whose
route declared it public is stored. Every stored response carries a strong ETag, and a
matching If-None-Match gets 304.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from hotelreviews.cache.capture import X_CACHE_HIT, X_CACHE_MISS, ResponseCapture
from hotelreviews.cache.conditional import none_match
from hotelreviews.cache.keys import cache_key
from hotelreviews.cache.store import CachedResponse, ResponseStore
from hotelreviews.cache.versions import DataVersion

_METHODS = {"GET", "HEAD"}
_Flight = asyncio.Future[CachedResponse | None]


class ResponseCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        store: ResponseStore,
        version: DataVersion,
        prefix: str,
        ttl_seconds: float,
        max_entry_bytes: int,
    ) -> None:
        self.app = app
        self._store = store
        self._version = version
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._max_entry_bytes = max_entry_bytes
        # Misses being answered, by key: later requests for the key wait for the first one.
        self._flights: dict[str, _Flight] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        version = self._version.current
        if (
            scope["type"] != "http"
            or scope["method"] not in _METHODS
            or version is None  # never read yet: nothing could be keyed safely
            or not _under(scope["path"], self._prefix)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"authorization" or name == b"x-consistency-token":
                # Credentials mean the response may be personal: a shared cache stays out.
                # A consistency token asks to see a write that a stored entry may predate.
                await self.app(scope, receive, send)
                return
            if name == b"if-none-match":
                if_none_match = value if if_none_match is None else if_none_match + b"," + value
        head = scope["method"] == "HEAD"
        key = cache_key(path=scope["path"], query_string=scope["query_string"], version=version)

        response = await self._store.get(key)
        flight = self._flights.get(key) if response is None else None
        if flight is not None:
            # Shielded: a waiter whose client goes away must not cancel the others' answer.
            response = await asyncio.shield(flight)
        if response is not None:
            await _answer(send, response, head=head, if_none_match=if_none_match, hit=True)
            return
        if flight is not None:
            # The first request's response could not be stored (an error, a 404, a stream):
            # every waiter runs the application itself, at once rather than one after another.
            response = await self._fill(key, scope, receive, send, head=head)
        else:
            response = await self._lead(key, scope, receive, send, head=head)
        if response is not None:
            await _answer(send, response, head=head, if_none_match=if_none_match, hit=False)

    async def _lead(
        self, key: str, scope: Scope, receive: Receive, send: Send, *, head: bool
    ) -> CachedResponse | None:
        """Answer a miss as the key's single flight; whatever happens, release the waiters."""
        flight: _Flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        response = None
        try:
            response = await self._fill(key, scope, receive, send, head=head)
        finally:
            # Also on error or cancellation: the flight is gone, and waiters given None run
            # the application themselves.
            del self._flights[key]
            flight.set_result(response)
        return response

    async def _fill(
        self, key: str, scope: Scope, receive: Receive, send: Send, *, head: bool
    ) -> CachedResponse | None:
        """Run the application; store and return its response if storable (else it was sent)."""
        capture = ResponseCapture(send, head=head, max_body=self._max_entry_bytes)
        # HEAD runs as a GET (RFC 9110: the same headers, without content), so that both share
        # one entry and HEAD is answered wherever GET is.
        app_scope = {**scope, "method": "GET"} if head else scope
        await self.app(app_scope, receive, capture.send)
        await capture.finish()
        if capture.response is not None:
            await self._store.set(key, capture.response, self._ttl)
        return capture.response


def _under(path: str, prefix: str) -> bool:
    return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


async def _answer(
    send: Send,
    response: CachedResponse,
    *,
    head: bool,
    if_none_match: bytes | None,
    hit: bool,
) -> None:
    """Send a stored response, or 304 when the client's copy is current."""
    x_cache = X_CACHE_HIT if hit else X_CACHE_MISS
    if if_none_match is not None and none_match(if_none_match, response.etag):
        headers = [(b"etag", response.etag), (b"cache-control", response.cache_control), x_cache]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [*response.headers, x_cache]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})
