"""What protection adds to a response's headers, in one call when the response starts.

The security headers (protection.headers) on every response, and a redirect to the
request's own host made relative (protection.hosts). One plain call rather than a `send`
wrapper of each: app.factory hands it to the request telemetry, whose one wrapper (outside
Starlette's error handling, so that a 500 gets the headers too) runs it on every response.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope

from hotelreviews.protection.headers import SecurityHeaders
from hotelreviews.protection.hosts import REDIRECTS, HostVerdicts, relative_redirect


class ResponseHeaders:
    def __init__(self, *, security: SecurityHeaders, hosts: HostVerdicts) -> None:
        self._security = security
        self._hosts = hosts

    def __call__(
        self, scope: Scope, status: int, headers: Iterable[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        """The response's headers with protection's, as a new list."""
        if status in REDIRECTS:
            # A request whose Host is not ours was refused (app.edge): never redirected.
            host = self._hosts.host_of(scope["headers"])
            if host:
                headers = relative_redirect(headers, host)
        return self._security.added_to(scope, headers)
