"""The response cache as a pure ASGI middleware in front of the application.

It behaves like a CDN would: GET and HEAD requests under the API prefix that carry no
credentials (Authorization, X-API-Key) are looked up by path, normalised query and data
version (cache.versions). A hit in this process's memory is answered from stored bytes,
skipping routing, validation, the database, JSON and the network. On a miss one request per
key (single flight) looks in the shared store (Redis), if there is one, and else runs the
application, while the others wait for its response; a 200 whose route declared it public is
stored in both. Every stored response carries a strong ETag, and a matching If-None-Match
gets 304.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from hotelreviews.cache.capture import X_CACHE_HIT, X_CACHE_MISS, ResponseCapture
from hotelreviews.cache.conditional import none_match
from hotelreviews.cache.keys import cache_key
from hotelreviews.cache.stats import CacheStats
from hotelreviews.cache.store import CachedResponse, ResponseStore
from hotelreviews.cache.versions import CacheVersions
from hotelreviews.observability.metrics import CACHE_HITS, CACHE_MISSES, CACHE_SINGLEFLIGHT_WAITS
from hotelreviews.routing import format_lsn

_METHODS = frozenset({"GET", "HEAD"})
_MAX_REMEMBERED_KEYS = 50_000
# The routing's consistency token (api.reads): "read from a database that has replayed this".
_CONSISTENCY_TOKEN = b"x-consistency-token"
# The API key header (security.authn), a credential like Authorization.
_API_KEY = b"x-api-key"
_BYPASS = frozenset({b"authorization", _API_KEY, _CONSISTENCY_TOKEN})
_EVENT_STREAM = b"text/event-stream"
_Flight = asyncio.Future[CachedResponse | None]


class ResponseCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        store: ResponseStore,
        versions: CacheVersions,
        prefix: str,
        ttl_seconds: float,
        max_entry_bytes: int,
        shared: ResponseStore | None = None,
        stats: CacheStats | None = None,
    ) -> None:
        self.app = app
        self._store = store
        self._shared = shared
        self._versions = versions
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._max_entry_bytes = max_entry_bytes
        self._stats = stats or CacheStats()
        # Misses being answered, by key: later requests for the key wait for the first one.
        self._flights: dict[str, _Flight] = {}
        # Writes to the shared store, done after the response went out (kept from the GC).
        self._writes: set[asyncio.Task[None]] = set()
        # Keys by (path, query) while the versions stay as they are: a hit then costs one
        # look-up here instead of parsing the path and the query. Bounded: cleared when full.
        self._keys: dict[tuple[str, bytes], str] = {}
        self._keys_generation = -1
        self._max_keys = _MAX_REMEMBERED_KEYS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _METHODS
            or not _under(scope["path"], self._prefix)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match: bytes | None = None
        for name, value in scope["headers"]:
            if name in _BYPASS:
                # Credentials (a token or an API key) mean the response may be personal, and
                # the route's policy must see them: a shared cache stays out.
                # A consistency token asks to see a write that a stored entry may predate.
                await self.app(scope, receive, send)
                return
            if name == b"accept" and _EVENT_STREAM in value:
                # A stream (events.routes) is never stored, and never finishes for the
                # requests of the same URL to wait on as a single flight.
                await self.app(scope, receive, send)
                return
            if name == b"if-none-match":
                if_none_match = value if if_none_match is None else if_none_match + b"," + value
        head = scope["method"] == "HEAD"
        key = self._key(scope["path"], scope["query_string"])
        if key is None:  # no version read yet: nothing could be keyed safely
            await self.app(scope, receive, send)
            return

        response = await self._store.get(key)
        if response is not None:
            self._stats.hits += 1
            CACHE_HITS.inc()
            await _answer(send, response, head=head, if_none_match=if_none_match, hit=True)
            return
        flight = self._flights.get(key)
        if flight is None:
            response, hit = await self._lead(key, scope, receive, send, head=head)
        else:
            CACHE_SINGLEFLIGHT_WAITS.inc()
            # Shielded: a waiter whose client goes away must not cancel the others' answer.
            response = await asyncio.shield(flight)
            hit = response is not None
            if hit:
                self._stats.hits += 1
                CACHE_HITS.inc()
            else:
                # The first request's response could not be stored (an error, a 404, a
                # stream): every waiter runs the application itself, at once rather than one
                # after another.
                response = await self._fill(key, scope, receive, send, head=head)
        if response is not None:
            await _answer(send, response, head=head, if_none_match=if_none_match, hit=hit)

    def _key(self, path: str, query_string: bytes) -> str | None:
        versions = self._versions
        if self._keys_generation != versions.generation:
            self._keys.clear()
            self._keys_generation = versions.generation
        key = self._keys.get((path, query_string))
        if key is None:
            tag = versions.tag(path)
            if tag is None:
                return None
            key = cache_key(path=path, query_string=query_string, tag=tag)
            if len(self._keys) >= self._max_keys:
                self._keys.clear()
            self._keys[path, query_string] = key
        return key

    async def _lead(
        self, key: str, scope: Scope, receive: Receive, send: Send, *, head: bool
    ) -> tuple[CachedResponse | None, bool]:
        """Answer a miss as the key's single flight: from the shared store, else by running
        the application. Whatever happens, release the waiters."""
        flight: _Flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        response = None
        try:
            if self._shared is not None:
                response = await self._shared.get(key)
            if response is not None:
                self._stats.shared_hits += 1
                CACHE_HITS.inc()
                ttl = self._ttl
                if response.expires_at is not None:
                    ttl = min(ttl, response.expires_at - time.time())
                if ttl > 0:
                    await self._store.set(key, response, ttl)
                return response, True
            response = await self._fill(key, scope, receive, send, head=head)
            return response, False
        finally:
            # Also on error or cancellation: the flight is gone, and waiters given None run
            # the application themselves.
            del self._flights[key]
            flight.set_result(response)

    async def _fill(
        self, key: str, scope: Scope, receive: Receive, send: Send, *, head: bool
    ) -> CachedResponse | None:
        """Run the application; store and return its response if storable (else it was sent)."""
        self._stats.misses += 1
        CACHE_MISSES.inc()
        capture = ResponseCapture(send, head=head, max_body=self._max_entry_bytes)
        # HEAD runs as a GET (RFC 9110: the same headers, without content), so that both share
        # one entry and HEAD is answered wherever GET is.
        app_scope = {**scope, "method": "GET"} if head else scope
        lsn = self._versions.lsn
        if lsn is not None:
            # The versions in the key may be newer than what a lagging replica holds: read
            # from one that has replayed past them, or the entry would keep old data.
            token = (_CONSISTENCY_TOKEN, format_lsn(lsn).encode())
            app_scope = {**app_scope, "headers": [*scope["headers"], token]}
        await self.app(app_scope, receive, capture.send)
        await capture.finish()
        if capture.response is not None:
            await self._store.set(key, capture.response, self._ttl)
            if self._shared is not None:
                self._in_background(self._shared.set(key, capture.response, self._ttl))
        return capture.response

    def _in_background(self, write: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(write)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)


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
