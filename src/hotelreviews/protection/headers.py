"""Security headers on every response the application (or the response cache) sends.

- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` everywhere;
- a Content-Security-Policy: `default-src 'none'` for data (JSON cannot run anything, and
  a page that frames or embeds it gets nothing), and for HTML pages (/docs, /redoc) one that
  lets FastAPI's Swagger UI and ReDoc load their scripts, styles, fonts and icons from the
  CDNs FastAPI points them at (their inline start-up script included);
- `Strict-Transport-Security` only on requests that came over TLS (scope["scheme"], which
  the client address middleware sets from a trusted proxy's X-Forwarded-Proto): sent over
  plain HTTP it means nothing and would pin a development host to https.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DATA_POLICY = b"default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = (
    b"default-src 'self'; "
    b"script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    b"font-src 'self' https://fonts.gstatic.com; "
    b"img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    b"worker-src 'self' blob:; "
    b"connect-src 'self'; "
    b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
_ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_max_age_seconds: int) -> None:
        self.app = app
        self._hsts = (
            (b"strict-transport-security", f"max-age={hsts_max_age_seconds}".encode())
            if hsts_max_age_seconds > 0
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_ALWAYS)
        if self._hsts is not None and scope.get("scheme") == "https":
            extra.append(self._hsts)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                html = any(
                    name == b"content-type" and value.startswith(b"text/html")
                    for name, value in headers
                )
                headers.extend(extra)
                headers.append((b"content-security-policy", PAGE_POLICY if html else DATA_POLICY))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
