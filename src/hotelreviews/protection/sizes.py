"""Size limits: the URL (414), all header bytes (431) and the body (413), as problem+json.

A declared Content-Length over the limit is refused before a byte of the body is read. A
body without one (chunked) is counted as the application reads it; past the limit the
application is told the client left, whatever it was about to send is dropped, and the
client gets the 413 (unless a response had already started: then it is cut short).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotelreviews.protection.problems import send_problem


class SizeLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_url_bytes: int, max_header_bytes: int, max_body_bytes: int
    ) -> None:
        self.app = app
        self._max_url = max_url_bytes
        self._max_headers = max_header_bytes
        self._max_body = max_body_bytes

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
        if declared is not None:
            if declared.isdigit() and int(declared) <= self._max_body:
                # Declared and within the limit: the server holds the client to its word.
                await self.app(scope, receive, send)
                return
            if declared.isdigit():
                await self._too_large(send, scope)
                return
        if scope["method"] in ("GET", "HEAD") and declared is None:
            await self.app(scope, receive, send)
            return
        await _BodyCounter(self, scope, receive, send).run()

    async def _too_large(self, send: Send, scope: Scope) -> None:
        await send_problem(
            send,
            status=413,
            code="body_too_large",
            detail=f"the request body is larger than {self._max_body} bytes",
            instance=scope["path"],
        )


class _BodyCounter:
    """One request whose body is counted as the application reads it."""

    def __init__(self, limits: SizeLimitMiddleware, scope: Scope, receive: Receive, send: Send):
        self._limits = limits
        self._scope = scope
        self._receive = receive
        self._send = send
        self._received = 0
        self._exceeded = False
        self._started = False

    async def run(self) -> None:
        try:
            await self._limits.app(self._scope, self.receive, self.send)
        except Exception:
            if not self._exceeded:
                raise
            # The application failed on the disconnect it was told about: expected.
        if self._exceeded and not self._started:
            await self._limits._too_large(self._send, self._scope)

    async def receive(self) -> Message:
        if self._exceeded:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limits._max_body:
                self._exceeded = True
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self._exceeded and not self._started:
            return  # the 413 goes out instead
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)
