"""Network fences for tests of the source policy: a connect guard and a fake resolver.

`outside_connections`: every socket connect (and connect_ex) to an address outside
127.0.0.0/8 is refused before any packet leaves and recorded, so a test can assert that no
connection to a private, link-local or public address was even attempted — the only safe
way to show that the platform refuses them.

`fake_dns`: names resolve to whatever the test says, and a name it was not told about does
not resolve at all (IP addresses are still parsed, never looked up): no DNS query leaves the
machine either. It counts the questions, to show that a name is resolved once.
"""

from __future__ import annotations

import ipaddress
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


def _is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None) or address
    return mapped.version == 4 and mapped in _LOOPBACK


@pytest.fixture(name="outside_connections")
def outside_connections_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The destinations outside 127.0.0.0/8 something tried to connect to (each refused)."""
    attempted: list[Any] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def checked(address: Any) -> None:
        # AF_UNIX paths (PostgreSQL's socket) are local by nature.
        if isinstance(address, tuple) and not _is_loopback(str(address[0])):
            attempted.append(address)
            raise ConnectionRefusedError(f"test guard: no connection to {address[0]}")

    def connect(self: socket.socket, address: Any) -> None:
        checked(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        checked(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempted


class FakeDNS:
    """Answers for the names a test sets; every other name is unknown."""

    def __init__(self) -> None:
        self.answers: dict[str, Callable[[], list[str]]] = {}
        self.asked: Counter[str] = Counter()

    def set(self, name: str, *addresses: str) -> None:
        """`name` resolves to these addresses, every time."""
        self.answers[name] = lambda: list(addresses)

    def rebinding(self, name: str, first: str, then: str) -> None:
        """`name` resolves to `first` the first time, to `then` every time after."""
        answers = iter([[first]])
        self.answers[name] = lambda: next(answers, [then])

    def getaddrinfo(
        self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[tuple[Any, ...]]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.answers:
            # IP addresses only: a name the test did not set is no DNS query.
            return _real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        self.asked[name] += 1
        number = int(port or 0)
        result = []
        for text in self.answers[name]():
            if ipaddress.ip_address(text).version == 6:
                result.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (text, number, 0, 0)))
            else:
                result.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (text, number)))
        return result


_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(name="fake_dns")
def fake_dns_fixture(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    dns = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns
