"""Size limits: the URL (414), all header bytes (431) and the body (413), as problem+json.

A declared Content-Length over the limit is refused before a byte of the body is read. A
body without one (chunked) is counted as the application reads it; past the limit the
application is told the client left, whatever it was about to send is dropped, and the
client gets the 413 (unless a response had already started: then it is cut short).

The body limit is one number for the whole API, lowered for paths that only ever take a few
bytes (`body_limits`, by path prefix: the credential routes, open to anyone) and raised for
the one that takes files (uploads), each with what to tell a client over it. One mechanism,
in front of everything, rather than a check in each route: a route only sees its body after
it has been read and parsed, which is the cost to avoid.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotelreviews.protection.asgi_problems import send_problem

_BODILESS = frozenset({"GET", "HEAD"})


class SizeLimits:
    def __init__(
        self,
        *,
        max_url_bytes: int,
        max_header_bytes: int,
        max_body_bytes: int,
        body_limits: Sequence[tuple[str, int, str | None]] = (),
    ) -> None:
        self._max_url = max_url_bytes
        self._max_headers = max_header_bytes
        self._max_body = max_body_bytes
        # (path prefix, bytes, advice for a body over it), the first match wins.
        self._body_limits = tuple(body_limits)

    def body_limit(self, path: str) -> BodyLimit:
        for prefix, limit, advice in self._body_limits:
            if path.startswith(prefix):
                return BodyLimit(limit, advice)
        return BodyLimit(self._max_body)

    def verdict(self, scope: Scope) -> dict[str, Any] | BodyLimit | None:
        """An HTTP request's verdict: a refusal (send_problem's arguments), the limit its
        body is to be counted against as it is read (`count_body`), or None: nothing to do."""
        path = scope.get("raw_path") or scope["path"].encode()
        if len(path) + len(scope["query_string"]) + 1 > self._max_url:
            return {
                "status": 414,
                "code": "uri_too_long",
                "detail": f"the URL is longer than {self._max_url} bytes",
                "instance": None,
            }
        header_bytes = 0
        declared: bytes | None = None
        for name, value in scope["headers"]:
            header_bytes += len(name) + len(value) + 4  # ": " and CRLF, as on the wire
            if name == b"content-length":
                declared = value
        if header_bytes > self._max_headers:
            return {
                "status": 431,
                "code": "headers_too_large",
                "detail": f"the request's headers are larger than {self._max_headers} bytes",
                "instance": scope["path"],
            }
        if declared is None and scope["method"] in _BODILESS:
            return None  # the common case (every cache hit): nothing to count
        limit = self.body_limit(scope["path"])
        if declared is not None and declared.isdigit():
            if int(declared) <= limit.bytes:
                # Declared and within the limit: the server holds the client to its word.
                return None
            return _too_large(scope, limit)
        return limit


async def count_body(
    app: ASGIApp, limit: BodyLimit, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run the application with the request body counted against `limit` as it is read."""
    await _BodyCounter(app, limit, scope, receive, send).run()


class BodyLimit(NamedTuple):
    bytes: int
    advice: str | None = None  # what to do about a larger body


def _too_large(scope: Scope, limit: BodyLimit) -> dict[str, Any]:
    detail = f"the request body is larger than {limit.bytes} bytes"
    return {
        "status": 413,
        "code": "body_too_large",
        "detail": f"{detail}: {limit.advice}" if limit.advice else detail,
        "instance": scope["path"],
    }


class _BodyCounter:
    """One request whose body is counted as the application reads it."""

    def __init__(
        self, app: ASGIApp, limit: BodyLimit, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self._app = app
        self._limit = limit
        self._scope = scope
        self._receive = receive
        self._send = send
        self._received = 0
        self._exceeded = False
        self._started = False

    async def run(self) -> None:
        try:
            await self._app(self._scope, self.receive, self.send)
        except Exception:
            if not self._exceeded:
                raise
            # The application failed on the disconnect it was told about: expected.
        if self._exceeded and not self._started:
            await send_problem(self._send, **_too_large(self._scope, self._limit))

    async def receive(self) -> Message:
        if self._exceeded:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit.bytes:
                self._exceeded = True
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self._exceeded and not self._started:
            return  # the 413 goes out instead
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)
