"""One GET through the source policy: checked addresses, checked redirects, bounded time.

urllib would resolve the name itself (again at each request: a DNS answer can change between
a check and the connection), follow redirects to any scheme and host, and read for as long
as a server keeps dripping bytes. So the request is made here, with http.client:

- the name is resolved once and every answer checked (egress.SourcePolicy); the socket is
  connected to a checked address, while TLS verification, SNI and the Host header use the
  name — no second resolution, no window for DNS rebinding;
- redirects (at most 5) are followed here, each new URL checked like the first; a change of
  scheme (https → http, or back) is refused;
- connecting (TLS handshake included) waits at most the connect timeout; every receive
  waits at most the read timeout and never past the source's deadline (the socket's timeout
  is set to the smaller of the two before each receive, so a drip-fed header or body ends
  at the deadline too).

Proxies from the environment are not used: a proxy resolves names itself, out of the
policy's reach. Failures up to the response's status line (name resolution, TCP, TLS, not an
HTTP server) are one ConnectFailed, whatever the cause, so that what a user sees does not
tell a closed port from an open one; the cause goes with it for the server's log.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from hotelreviews.ingestion.sources.egress import SourcePolicy, SourceRefused

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DeadlineReached(TimeoutError):
    """The source's whole time (HOTELREVIEWS_SOURCE_MAX_SECONDS) is used up."""


class ConnectFailed(Exception):
    """No HTTP answer from the source host; the message is the detail, for the log only."""


class BadRedirect(Exception):
    """More than MAX_REDIRECTS redirects, or one without a Location; the message says which."""


@dataclass
class Budget:
    """The time one source may take: to connect, per receive, and in all (a deadline)."""

    connect_seconds: float
    read_seconds: float
    total_seconds: float
    deadline: float = field(default=0.0)

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + self.total_seconds

    @classmethod
    def for_source(cls, settings: Settings) -> Budget:
        return cls(
            connect_seconds=settings.source_connect_timeout_seconds,
            read_seconds=settings.remote_timeout_seconds,
            total_seconds=settings.source_max_seconds,
        )

    def wait(self, limit: float) -> float:
        """How long the next blocking step may wait: `limit`, less if the deadline is
        nearer; DeadlineReached once it has passed."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineReached(f"the deadline of {self.total_seconds:g} s has passed")
        return min(limit, left)

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


@dataclass
class Exchange:
    """A response being read, with the connection it arrived on and where it came from."""

    url: str  # after redirects
    address: str  # the peer's IP address
    response: http.client.HTTPResponse
    connection: http.client.HTTPConnection

    def close(self) -> None:
        self.response.close()
        self.connection.close()


def get(
    url: str,
    *,
    policy: SourcePolicy,
    budget: Budget,
    headers: Mapping[str, str] | None = None,
) -> Exchange:
    """GET `url`, following redirects; the final response, whatever its status.

    SourceRefused: the URL or a redirect is outside the policy. ConnectFailed: no HTTP
    answer. DeadlineReached: the budget is spent. BadRedirect.
    """
    scheme = _scheme(url)
    for _ in range(MAX_REDIRECTS + 1):
        exchange = _get_once(url, policy, budget, headers or {})
        if exchange.response.status not in REDIRECTS:
            return exchange
        location = exchange.response.getheader("Location")
        exchange.close()
        if not location:
            raise BadRedirect(f"a redirect (HTTP {exchange.response.status}) without a Location")
        target = urljoin(url, location.strip())
        if _scheme(target) != scheme:
            raise SourceRefused(
                f"redirected from {scheme}:// to {_scheme(target)}://; a redirect may not"
                " change the scheme"
            )
        url = target
    raise BadRedirect(f"too many redirects (more than {MAX_REDIRECTS})")


def _scheme(url: str) -> str:
    return urlsplit(url).scheme.lower()


def _get_once(
    url: str, policy: SourcePolicy, budget: Budget, headers: Mapping[str, str]
) -> Exchange:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise SourceRefused(f"unsupported scheme {scheme}://; give an http(s) URL")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise SourceRefused(f"not a valid URL ({error})") from None
    if parts.username is not None or parts.password is not None:
        raise SourceRefused("the URL must not carry credentials (user:password@)")
    host = policy.check_host(parts.hostname)
    addresses = _resolve(host, port, policy)
    connection = _connection(scheme, host, port, addresses, budget)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", target, headers=dict(headers))
        response = connection.getresponse()
    except (DeadlineReached, ConnectFailed):
        connection.close()
        raise
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise ConnectFailed(f"{_peer(connection)}: {error!r}") from error
    return Exchange(url=url, address=_peer(connection), response=response, connection=connection)


def _resolve(host: str, port: int, policy: SourcePolicy) -> list[tuple[Any, ...]]:
    """Every address `host` resolves to, each allowed by the policy; SourceRefused if one
    is not (a name pointing at an internal address is no public source)."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise ConnectFailed(f"cannot resolve {host}: {error!r}") from error
    for *_, sockaddr in answers:
        kind = policy.forbidden_kind(sockaddr[0])
        if kind is not None:
            raise SourceRefused(
                f"host {host} does not resolve to a public address; sources may only come"
                " from public addresses (or networks in HOTELREVIEWS_SOURCE_ALLOWED_NETWORKS)",
                detail=f"{host} resolves to {sockaddr[0]} ({kind})",
            )
    return answers


def _connection(
    scheme: str, host: str, port: int, addresses: list[tuple[Any, ...]], budget: Budget
) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPSConnection(host, port, addresses=addresses, budget=budget)
    return _PinnedHTTPConnection(host, port, addresses=addresses, budget=budget)


def _peer(connection: http.client.HTTPConnection) -> str:
    return getattr(connection, "peer", None) or connection.host


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to one of the addresses checked for its host, never resolved again."""

    def __init__(
        self, host: str, port: int, *, addresses: list[tuple[Any, ...]], budget: Budget
    ) -> None:
        super().__init__(host, port, timeout=budget.connect_seconds)
        self.addresses, self.budget, self.peer = addresses, budget, ""

    def connect(self) -> None:
        self.sock = _DeadlineSocket(self._connect_tcp(), self.budget)  # type: ignore[assignment]

    def _connect_tcp(self) -> socket.socket:
        """A socket connected to the first checked address that accepts; ConnectFailed if
        none does."""
        failures = []
        for family, kind, protocol, _, sockaddr in self.addresses:
            sock = socket.socket(family, kind, protocol)
            try:
                sock.settimeout(self.budget.wait(self.budget.connect_seconds))
                sock.connect(sockaddr)
            except DeadlineReached:
                sock.close()
                raise
            except OSError as error:
                sock.close()
                failures.append(f"{sockaddr[0]} port {sockaddr[1]}: {error!r}")
                continue
            self.peer = sockaddr[0]
            return sock
        raise ConnectFailed(f"cannot connect to {self.host}: " + "; ".join(failures))


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to a checked address; the certificate is verified against the host's name."""

    default_port = 443

    def connect(self) -> None:
        sock = self._connect_tcp()
        try:
            sock.settimeout(self.budget.wait(self.budget.connect_seconds))
            # A new context each time: SSL_CERT_FILE / SSL_CERT_DIR are read when it is made.
            context = ssl.create_default_context()
            tls = context.wrap_socket(sock, server_hostname=self.host)
        except DeadlineReached:
            sock.close()
            raise
        except OSError as error:  # ssl.SSLError included: untrusted, not TLS, reset…
            sock.close()
            raise ConnectFailed(f"TLS with {self.host} at {self.peer} failed: {error!r}") from error
        self.sock = _DeadlineSocket(tls, self.budget)  # type: ignore[assignment]


class _DeadlineSocket:
    """The connection's socket as http.client uses it (sendall, makefile, close), with every
    send and receive bounded by the budget."""

    def __init__(self, sock: socket.socket, budget: Budget) -> None:
        self._sock, self._budget = sock, budget

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._budget.wait(self._budget.read_seconds))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *_: object, **__: object) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._budget))

    def close(self) -> None:
        # The socket stays open while a reader made by makefile() is open (as with a
        # socket's own makefile): http.client closes the connection before the body is read.
        self._sock.close()


class _DeadlineReader(io.RawIOBase):
    """Receives from the socket, each wait at most the read timeout and within the deadline."""

    def __init__(self, sock: socket.socket, budget: Budget) -> None:
        self._sock, self._budget = sock, budget
        self._io = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._budget.wait(self._budget.read_seconds))
        return self._io.readinto(buffer)

    def close(self) -> None:
        self._io.close()
        super().close()
