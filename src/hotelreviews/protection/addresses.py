"""The client's address and scheme, believing X-Forwarded-* only from trusted proxies.

Without this, a client could name any address in X-Forwarded-For and get a fresh rate limit
per request. The header is walked from the right (the hop nearest to us) to the left: every
hop a trusted proxy added is skipped, and the first address that is not a trusted proxy is
the client. X-Forwarded-Proto is believed from a trusted peer too (its last value: the one
our nearest proxy wrote), so that HSTS and redirects see the scheme the client used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_MAX_REMEMBERED = 10_000


class TrustedProxies:
    def __init__(self, networks: Iterable[str]) -> None:
        self._networks: list[_Network] = [
            ipaddress.ip_network(network, strict=False) for network in networks
        ]
        # Peers repeat (the same few proxies): remember the verdicts, bounded.
        self._verdicts: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self._networks)

    def trusts(self, address: str) -> bool:
        verdict = self._verdicts.get(address)
        if verdict is None:
            try:
                ip = ipaddress.ip_address(address.strip("[]"))
            except ValueError:
                verdict = False  # not an address (a unix socket's name, garbage): untrusted
            else:
                verdict = any(ip in network for network in self._networks)
            if len(self._verdicts) >= _MAX_REMEMBERED:
                self._verdicts.clear()
            self._verdicts[address] = verdict
        return verdict

    def client_of(self, peer: str, forwarded_for: list[str]) -> str:
        """The client's address: the peer itself unless it is a trusted proxy."""
        if not self.trusts(peer):
            return peer
        client = peer
        for hop in reversed(forwarded_for):
            client = hop
            if not self.trusts(hop):
                break
        return client


def forwarded_values(headers: list[tuple[bytes, bytes]], name: bytes) -> list[str]:
    """Every comma-separated value of a header, across its repetitions, in order."""
    values: list[str] = []
    for key, value in headers:
        if key == name:
            values.extend(part.strip() for part in value.decode("latin-1").split(","))
    return [value for value in values if value]


def believe_forwarded(scope: Scope, proxies: TrustedProxies) -> None:
    """Rewrite an HTTP request's scope["client"] and scope["scheme"] when a trusted proxy
    relayed it."""
    peer = scope.get("client")
    if peer is not None and proxies.trusts(peer[0]):
        headers = scope["headers"]
        forwarded_for = forwarded_values(headers, b"x-forwarded-for")
        if forwarded_for:
            client = proxies.client_of(peer[0], forwarded_for)
            scope["client"] = (client, 0)
        proto = forwarded_values(headers, b"x-forwarded-proto")
        if proto and proto[-1].lower() in ("http", "https"):
            scope["scheme"] = proto[-1].lower()
