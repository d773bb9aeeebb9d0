"""Security headers on every response the application (or the response cache) sends
(added when the response starts, by protection.edge's response hook).

- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` everywhere;
- a Content-Security-Policy: `default-src 'none'` for data (JSON cannot run anything, and
  a page that frames or embeds it gets nothing); for the interactive docs (/docs, /redoc)
  one that lets FastAPI's Swagger UI and ReDoc load their scripts, styles, fonts and icons
  from the CDNs FastAPI points them at (their inline start-up script included); and for
  every other HTML page (the web pages, hotelreviews.web) a strict one: our own scripts
  and styles only, nothing inline, no plugins, no <base>, never framed;
- `Strict-Transport-Security` only on requests that came over TLS (scope["scheme"], which
  the client address middleware sets from a trusted proxy's X-Forwarded-Proto): sent over
  plain HTTP it means nothing and would pin a development host to https. The scheme is read
  when the response starts, after that middleware (protection.edge) has run.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope

DATA_POLICY = b"default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    b"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_POLICY = (
    b"default-src 'self'; "
    b"script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    b"font-src 'self' https://fonts.gstatic.com; "
    b"img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    b"worker-src 'self' blob:; "
    b"connect-src 'self'; "
    b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
_DATA = (*_ALWAYS, (b"content-security-policy", DATA_POLICY))
_PAGE = (*_ALWAYS, (b"content-security-policy", PAGE_POLICY))
_DOCS = (*_ALWAYS, (b"content-security-policy", DOCS_POLICY))


class SecurityHeaders:
    """The security headers a response gets: `headers` plus them, as a new list (the one
    given may be a stored response's: the cache's)."""

    def __init__(self, *, hsts_max_age_seconds: int) -> None:
        # The headers to add, precomputed: (for data, for pages, for the docs), over plain
        # HTTP and TLS.
        self._plain = (_DATA, _PAGE, _DOCS)
        self._tls = self._plain
        if hsts_max_age_seconds > 0:
            hsts = ((b"strict-transport-security", f"max-age={hsts_max_age_seconds}".encode()),)
            self._tls = ((*_DATA, *hsts), (*_PAGE, *hsts), (*_DOCS, *hsts))

    def added_to(
        self, scope: Scope, headers: Iterable[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        data, page, docs = self._tls if scope.get("scheme") == "https" else self._plain
        headers = list(headers)
        extra = data
        for name, value in headers:
            if name == b"content-type":
                if value.startswith(b"text/html"):
                    extra = docs if scope.get("path") in DOCS_PATHS else page
                break
        headers.extend(extra)
        return headers
