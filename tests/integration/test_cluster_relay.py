"""The latency relay (hotelreviews.cluster.relay) as the real daemon, between a client and a
real TCP server: it delays each direction by half the round trip — a lower bound, which is a
property of the relay, not a timing threshold — and delivers every byte intact and in order,
end of stream included."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from hotelreviews.cluster.daemons import Daemon, DaemonError, wait_for_tcp
from hotelreviews.cluster.layout import plan
from hotelreviews.cluster.relay import RelayRoute, relay_daemon, start_relays, write_config
from tests.support.pg_server import PostgresServer, free_port

ROUND_TRIP = 0.2  # seconds, as the route below says in milliseconds


class _EchoHandler(socketserver.BaseRequestHandler):
    """Echoes everything; at the client's end of stream answers `bye` with the SHA-256 of
    what it received, then closes (so a half-close must have reached it)."""

    def handle(self) -> None:
        digest = hashlib.sha256()
        while chunk := self.request.recv(65536):
            digest.update(chunk)
            self.request.sendall(chunk)
        self.request.sendall(b"bye " + digest.hexdigest().encode())


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def echo_server() -> Iterator[tuple[str, int]]:
    server = _EchoServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[:2]
    finally:
        server.shutdown()
        server.server_close()


def _start_relay(tmp_path: Path, *target_ports: int) -> tuple[Daemon, list[int]]:
    """The relay daemon with one route per target port; the ports it listens on."""
    ports = [free_port() for _ in target_ports]
    routes = [
        RelayRoute(f"a>b:{number}", port, "127.0.0.1", target, int(ROUND_TRIP * 1000))
        for number, (port, target) in enumerate(zip(ports, target_ports, strict=True))
    ]
    config = tmp_path / "relays.json"
    write_config(config, routes)
    daemon = Daemon("relays", tmp_path / "relays.pid.json", tmp_path / "relays.log")
    daemon.start([sys.executable, "-m", "hotelreviews.cluster.relay", str(config)])
    for port in ports:
        wait_for_tcp("127.0.0.1", port, 30, daemon=daemon)
    return daemon, ports


@pytest.fixture
def relay(tmp_path: Path, echo_server: tuple[str, int]) -> Iterator[tuple[Daemon, int]]:
    daemon, (port,) = _start_relay(tmp_path, echo_server[1])
    try:
        yield daemon, port
    finally:
        daemon.stop(timeout=5)


def _receive_exactly(connection: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = connection.recv(min(size, 1 << 20))
        assert chunk, "the relay closed the connection early"
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def test_every_exchange_takes_at_least_the_round_trip_and_the_first_one_the_handshake_too(
    relay: tuple[Daemon, int],
) -> None:
    _, port = relay
    # From before connecting: the relay's clock starts when it accepts, which can come before
    # create_connection returns here (a CI run measured 0.39966 s from after it).
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"hello")
        assert _receive_exactly(connection, 5) == b"hello"
        first = time.monotonic() - started
        exchanges = []
        for number in range(3):
            started = time.monotonic()
            connection.sendall(b"ping %d" % number)
            assert _receive_exactly(connection, 6) == b"ping %d" % number
            exchanges.append(time.monotonic() - started)
    # The handshake's round trip, then the request's: nothing can arrive sooner.
    assert first >= 2 * ROUND_TRIP
    assert min(exchanges) >= ROUND_TRIP


def test_a_large_transfer_arrives_intact_in_order_and_the_end_of_stream_goes_through(
    relay: tuple[Daemon, int],
) -> None:
    _, port = relay
    payload = os.urandom(8 << 20)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(_receive_all(connection)))
        reader.start()
        connection.sendall(payload)
        connection.shutdown(socket.SHUT_WR)  # half-close: the server still answers
        reader.join(timeout=120)
    assert not reader.is_alive()
    echoed = received[0]
    assert echoed[: len(payload)] == payload
    assert echoed[len(payload) :] == b"bye " + hashlib.sha256(payload).hexdigest().encode()


def test_a_target_that_is_down_looks_like_a_refused_connection_and_is_logged_once(
    tmp_path: Path,
) -> None:
    daemon, (port,) = _start_relay(tmp_path, free_port())  # nothing listens there
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(b"anyone?")
            with pytest.raises(ConnectionResetError):
                connection.recv(100)
        # Said once in its log, and no traceback.
        log = daemon.log_file.read_text()
        assert log.count("cannot reach") == 1 and "Traceback" not in log
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(b"again?")
            with pytest.raises(ConnectionResetError):
                connection.recv(100)
        assert daemon.log_file.read_text().count("cannot reach") == 1
    finally:
        daemon.stop(timeout=5)


def test_a_multi_host_client_goes_past_a_relay_whose_server_is_down(
    tmp_path: Path, pg_server: PostgresServer
) -> None:
    """What the apps' primary URL relies on after a failover: the relay to the old primary
    answers its connection with a reset, and the driver tries the next host."""
    daemon, (dead, alive) = _start_relay(tmp_path, free_port(), pg_server.port or 0)

    async def server_port() -> int:
        connection = await asyncpg.connect(
            host=["127.0.0.1", "127.0.0.1"],
            port=[dead, alive],
            user=pg_server.superuser,
            database="postgres",
            timeout=30,
        )
        try:
            return int(await connection.fetchval("SELECT inet_server_port()"))
        finally:
            await connection.close()

    try:
        assert asyncio.run(server_port()) == pg_server.port
    finally:
        daemon.stop(timeout=5)


def test_a_layouts_relays_start_once_and_listen_on_every_relay_port(tmp_path: Path) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1, latency=True)
    daemon = relay_daemon(layout)
    try:
        assert start_relays(layout, timeout=30) is True
        assert all(_accepts(port) for port in layout.relays.values())
        assert start_relays(layout, timeout=30) is False  # already running
    finally:
        daemon.stop(timeout=5)
    assert not any(_accepts(port) for port in layout.relays.values())


def test_a_relay_port_held_by_another_program_is_named_and_nothing_starts(
    tmp_path: Path,
) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1, latency=True)
    key, taken = next(iter(layout.relays.items()))
    with socket.create_server(("127.0.0.1", taken)):
        with pytest.raises(DaemonError) as refused:
            start_relays(layout, timeout=30)
        assert f"something else listens on 127.0.0.1:{taken} ({key})" in str(refused.value)
        assert not relay_daemon(layout).is_running()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False
