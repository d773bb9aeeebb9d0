"""Size limits: the URL (414), all header bytes (431) and the body (413), as problem+json.

A declared Content-Length over the limit is refused before a byte of the body is read. A
body without one (chunked) is counted as the application reads it; past the limit the
application is told the client left, whatever it was about to send is dropped, and the
client gets the 413 (unless a response had already started: then it is cut short).

The body limit is one number for the whole API, lowered for paths that only ever take a few
bytes (`body_limits`, by path prefix: the credential routes, open to anyone). One mechanism,
in front of everything, rather than a check in each route: a route only sees its body after
it has been read and parsed, which is the cost to avoid.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotelreviews.protection.asgi_problems import send_problem

_BODILESS = frozenset({"GET", "HEAD"})


class SizeLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_url_bytes: int,
        max_header_bytes: int,
        max_body_bytes: int,
        body_limits: Sequence[tuple[str, int]] = (),
    ) -> None:
        self.app = app
        self._max_url = max_url_bytes
        self._max_headers = max_header_bytes
        self._max_body = max_body_bytes
        self._body_limits = tuple(body_limits)  # (path prefix, bytes), the first match wins

    def body_limit(self, path: str) -> int:
        for prefix, limit in self._body_limits:
            if path.startswith(prefix):
                return limit
        return self._max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("raw_path") or scope["path"].encode()
        if len(path) + len(scope["query_string"]) + 1 > self._max_url:
            await send_problem(
                send,
                status=414,
                code="uri_too_long",
                detail=f"the URL is longer than {self._max_url} bytes",
                instance=None,
            )
            return
        header_bytes = 0
        declared: bytes | None = None
        for name, value in scope["headers"]:
            header_bytes += len(name) + len(value) + 4  # ": " and CRLF, as on the wire
            if name == b"content-length":
                declared = value
        if header_bytes > self._max_headers:
            await send_problem(
                send,
                status=431,
                code="headers_too_large",
                detail=f"the request's headers are larger than {self._max_headers} bytes",
                instance=scope["path"],
            )
            return
        if declared is None and scope["method"] in _BODILESS:
            # The common case (every cache hit): nothing to count.
            await self.app(scope, receive, send)
            return
        limit = self.body_limit(scope["path"])
        if declared is not None:
            if declared.isdigit() and int(declared) <= limit:
                # Declared and within the limit: the server holds the client to its word.
                await self.app(scope, receive, send)
                return
            if declared.isdigit():
                await _too_large(send, scope, limit)
                return
        await _BodyCounter(self.app, limit, scope, receive, send).run()


async def _too_large(send: Send, scope: Scope, limit: int) -> None:
    await send_problem(
        send,
        status=413,
        code="body_too_large",
        detail=f"the request body is larger than {limit} bytes",
        instance=scope["path"],
    )


class _BodyCounter:
    """One request whose body is counted as the application reads it."""

    def __init__(self, app: ASGIApp, limit: int, scope: Scope, receive: Receive, send: Send):
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
            await _too_large(self._send, self._scope, self._limit)

    async def receive(self) -> Message:
        if self._exceeded:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                self._exceeded = True
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self._exceeded and not self._started:
            return  # the 413 goes out instead
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)
