"""The application's response on a miss: held while it can be stored, passed on otherwise."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Message, Send

from hotelreviews.cache.conditional import strong_etag
from hotelreviews.cache.store import CachedResponse

X_CACHE_MISS = (b"x-cache", b"miss")
X_CACHE_HIT = (b"x-cache", b"hit")
# A shared cache must not keep a response that sets a cookie, nor one that depends on request
# headers the key leaves out.
_NEVER_STORED = {b"set-cookie", b"vary"}
_NOT_SHARED = {b"private", b"no-store", b"no-cache"}


def storable_cache_control(status: int, headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The Cache-Control value of a response a shared cache may store, else None.

    Routes opt in by sending `Cache-Control: public, ...` on a 200.
    """
    if status != 200:
        return None
    cache_control = None
    for name, value in headers:
        name = name.lower()
        if name == b"cache-control":
            cache_control = bytes(value)
        elif name in _NEVER_STORED:
            return None
    if cache_control is None:
        return None
    directives = {part.split(b"=", 1)[0].strip().lower() for part in cache_control.split(b",")}
    if b"public" not in directives or directives & _NOT_SHARED:
        return None
    return cache_control


class ResponseCapture:
    """A `send` for the application that keeps a storable response and passes on the rest.

    Storable: see `storable_cache_control`, and the body comes in one message of at most
    `max_body` bytes (a streamed or huge body goes to the client as it comes, unstored).
    Everything passed on is marked as a miss; for a HEAD request its body is dropped.
    """

    def __init__(self, send: Send, *, head: bool, max_body: int) -> None:
        self.response: CachedResponse | None = None
        self._send = send
        self._head = head
        self._max_body = max_body
        self._held: Message | None = None
        self._cache_control = b""
        self._passing = False

    async def send(self, message: Message) -> None:
        if self._passing:
            await self._pass(message)
        elif message["type"] == "http.response.start":
            cache_control = storable_cache_control(message["status"], message.get("headers", ()))
            if cache_control is None:
                self._passing = True
                await self._pass(message)
            else:
                self._held, self._cache_control = message, cache_control
        elif (
            message["type"] == "http.response.body"
            and self._held is not None
            and not message.get("more_body", False)
            and len(message.get("body", b"")) <= self._max_body
        ):
            self.response = self._complete(self._held, message.get("body", b""))
            self._held = None
        else:
            await self._give_up()
            await self._pass(message)

    async def finish(self) -> None:
        """Pass on a held start the application never completed with a body."""
        if self._held is not None:
            await self._give_up()
            await self._pass({"type": "http.response.body", "body": b""})

    def _complete(self, start: Message, body: bytes) -> CachedResponse:
        etag = strong_etag(body)
        headers = tuple((bytes(name), bytes(value)) for name, value in start.get("headers", ()))
        return CachedResponse(
            status=start["status"],
            headers=(*headers, (b"etag", etag)),
            body=bytes(body),
            etag=etag,
            cache_control=self._cache_control,
        )

    async def _give_up(self) -> None:
        self._passing = True
        if self._held is not None:
            held, self._held = self._held, None
            await self._pass(held)

    async def _pass(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", ()), X_CACHE_MISS]
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and self._head:
            message = {**message, "body": b""}
        await self._send(message)
