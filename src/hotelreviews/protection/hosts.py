"""The Host header: answered only for our own names, and never echoed in a redirect.

A request's Host header is whatever the client chose. Echoed back — in a redirect's
Location, a link, a cached page — it lets an attacker send a victim to a host of theirs
(security review, finding 7: the trailing-slash redirect answered
`Location: http://evil.example/...`, through the regional HAProxy too, which passes Host on).
Two defences, in one module because they guard the same header (app.edge refuses, the
response hook of protection.response_headers rewrites):

1. A Host that is not one of HOTELREVIEWS_ALLOWED_HOSTS (port ignored; `*.example.com` any
   subdomain, `*` any host) is refused with 400 `invalid_host` before any other work, as is a
   malformed or repeated one. A request without a Host header (HTTP/1.0 — HAProxy's health
   checks are such requests) passes: Starlette then builds URLs from the address the server
   listens on, nothing the client chose.
2. A redirect to the request's own host — what Starlette's `redirect_slashes` builds from the
   Host header — leaves with a relative Location (path and query), so that not even an
   allowed name is reflected, and `*` stays safe.

Starlette's TrustedHostMiddleware does the first half only, answers text/plain rather than
the problem+json every other refusal uses, and refuses HTTP/1.0 health checks: hence this.
X-Forwarded-Host is not read by anything here, so it is not believed either.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import Send

from hotelreviews.protection.asgi_problems import send_problem

# host [":" port] (RFC 9110 §7.2): a DNS name or IPv4 address, or an IPv6 address in brackets.
_HOST_HEADER = re.compile(
    r"(?:\[(?P<ipv6>[0-9a-f:.]+)\]|(?P<name>(?:[a-z0-9_-]+\.)*[a-z0-9_-]+\.?))"
    r"(?::(?P<port>[0-9]{0,5}))?",
    re.IGNORECASE,
)
REDIRECTS = range(300, 400)
_MAX_REMEMBERED = 1000


def host_name(authority: str) -> str | None:
    """The host of a Host header's value (or a URL's authority) as settings spell allowed
    hosts: lower case, no trailing dot, IPv6 bracketed and compressed. None when malformed."""
    match = _HOST_HEADER.fullmatch(authority)
    if match is None or (match["port"] and int(match["port"]) > 65535):
        return None
    if match["ipv6"] is not None:
        try:
            return f"[{ipaddress.IPv6Address(match['ipv6']).compressed}]"
        except ValueError:
            return None
    return match["name"].lower().removesuffix(".")


class AllowedHosts:
    """Settings' allowed_hosts (already normalised by their validator), for matching."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = list(patterns)
        self._any = "*" in patterns
        self._names = frozenset(pattern for pattern in patterns if not pattern.startswith("*"))
        # "*.example.com" → ".example.com": any subdomain, not example.com itself.
        self._suffixes = tuple(pattern[1:] for pattern in patterns if pattern.startswith("*."))

    def allows(self, host: str) -> bool:
        return self._any or host in self._names or host.endswith(self._suffixes)


NO_HOST = ""  # HostVerdicts.host_of: the request has no Host header (HTTP/1.0)


class HostVerdicts:
    """The verdict on a request's Host header: the allowed host it names, or None (refused)."""

    def __init__(self, allowed: AllowedHosts) -> None:
        self._allowed = allowed
        # Host header values repeat (our few names): each one's verdict, the allowed host
        # name or None (refused), parsed once. Bounded: values are the client's choice.
        self._verdicts: dict[bytes, str | None] = {}

    def host_of(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        """The allowed host the Host header names; NO_HOST without one; None when it is
        refused (malformed, repeated, or not ours)."""
        value: bytes | None = None
        for key, header in headers:
            if key == b"host":
                if value is not None:
                    return None  # repeated
                value = header
        if value is None:
            return NO_HOST
        try:
            return self._verdicts[value]
        except KeyError:
            pass
        host = host_name(value.decode("latin-1"))
        verdict = host if host is not None and self._allowed.allows(host) else None
        if len(self._verdicts) >= _MAX_REMEMBERED:
            self._verdicts.clear()
        self._verdicts[value] = verdict
        return verdict


async def refuse_host(send: Send) -> None:
    await send_problem(
        send,
        status=400,
        code="invalid_host",
        # The value itself is not echoed: it is the attacker's text.
        detail=(
            "the Host header does not name a host this server answers to (an "
            "operator adds its names to HOTELREVIEWS_ALLOWED_HOSTS)"
        ),
        instance=None,
    )


def relative_redirect(
    headers: Iterable[tuple[bytes, bytes]], host: str
) -> list[tuple[bytes, bytes]]:
    """A redirect's headers with its Location relative when it points at `host`."""
    return [
        (key, relative_location(value, host) if key.lower() == b"location" else value)
        for key, value in headers
    ]


def relative_location(location: bytes, host: str) -> bytes:
    """`location` without its scheme and authority when it points at `host` (any port);
    any other location unchanged."""
    try:
        url = urlsplit(location.decode("latin-1"))
    except ValueError:
        return location
    if url.scheme.lower() not in ("http", "https") or host_name(url.netloc) != host:
        return location
    path = url.path or "/"
    if path.startswith(("//", "/\\")):
        # "//evil.example/x" is a URL on another host (a network-path reference; browsers
        # read "/\\" alike): its second character is escaped.
        path = "/" + ("%2F" if path[1] == "/" else "%5C") + path[2:]
    relative = path + (f"?{url.query}" if url.query else "")
    relative += f"#{url.fragment}" if url.fragment else ""
    return relative.encode("latin-1")
