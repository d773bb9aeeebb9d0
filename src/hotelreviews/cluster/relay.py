"""Modelled inter-region latency (`cluster up --latency`): TCP relays that delay traffic.

The kernel here has no `netem` (nor any qdisc that can delay), so the round trips between
regions are modelled in user space: every connection from one region to another region's
PostgreSQL or balancer goes to a relay port (layout.reach) and this process forwards it to
the target, holding each chunk, in each direction, for half the round trip between the two
regions (layout.ROUND_TRIP_MS) after it arrived. A chunk is due at its own time; chunks
already in flight do not wait for each other, so throughput is not cut to one chunk per
delay. A new connection also pays the TCP handshake: the client's first bytes leave no
earlier than one round trip after it connected. Not modelled: bandwidth limits, loss, jitter.

One process hosts every relay of a layout, run as a daemon (hotelreviews.cluster.daemons):
`python -m hotelreviews.cluster.relay <relays.json>`; its files are in `<root>/relays/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import socket
import struct
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from hotelreviews.cluster.daemons import Daemon, DaemonError, wait_for_tcp
from hotelreviews.cluster.layout import RELAY_ADDRESS, ClusterLayout, round_trip_ms

CHUNK_BYTES = 64 * 1024
# Chunks held per direction before reading pauses (TCP flow control then slows the sender):
# 64 × 64 KiB in flight per one-way delay is tens of MB/s even at 110 ms.
QUEUE_CHUNKS = 64
CONNECT_TIMEOUT = 5.0
CONFIG_NAME = "relays.json"

log = logging.getLogger("hotelreviews.relay")


@dataclass(frozen=True)
class RelayRoute:
    """One relay: where it listens, where it forwards, and the round trip it models."""

    key: str  # layout.relay_key: "<from>><to>:<service>"
    listen_port: int
    target_host: str
    target_port: int
    round_trip_ms: int
    listen_host: str = RELAY_ADDRESS

    @property
    def one_way_delay(self) -> float:
        """Seconds each byte is held in each direction: half the round trip."""
        return self.round_trip_ms / 2000


def parse_key(key: str) -> tuple[str, str, str]:
    """(source region, target region, service) of a relay key."""
    regions, _, service = key.partition(":")
    source, _, target = regions.partition(">")
    if not (source and target and service):
        raise ValueError(f"not a relay key: {key!r} (expected '<from>><to>:<service>')")
    return source, target, service


def relay_routes(layout: ClusterLayout) -> list[RelayRoute]:
    """Every relay of a --latency layout (none without)."""
    routes = []
    for key, port in sorted(layout.relays.items()):
        source, target, service = parse_key(key)
        spec = layout.regions[target]
        target_port = spec.postgres_port if service == "postgres" else spec.balancer_port
        routes.append(
            RelayRoute(key, port, spec.address, target_port, round_trip_ms(source, target))
        )
    return routes


def due_time(arrival: float, *, delay: float, not_before: float = 0.0) -> float:
    """When a chunk that arrived at `arrival` is released: `delay` after it arrived, or
    after `not_before` (the end of the modelled handshake) when that is later."""
    return max(arrival, not_before) + delay


# ---- the cluster's relay daemon ------------------------------------------------------------


def relays_dir(layout: ClusterLayout) -> Path:
    return layout.root / "relays"


def relay_daemon(layout: ClusterLayout) -> Daemon:
    directory = relays_dir(layout)
    return Daemon("relays", directory / "relays.pid.json", directory / "relays.log")


def write_config(path: Path, routes: list[RelayRoute]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(route) for route in routes], indent=2) + "\n")


def read_config(path: Path) -> list[RelayRoute]:
    return [RelayRoute(**entry) for entry in json.loads(Path(path).read_text())]


def start_relays(layout: ClusterLayout, *, timeout: float) -> bool:
    """Start the layout's relay daemon unless it runs (or the layout has no relays); wait
    until every relay port accepts connections. True when it was started now."""
    daemon = relay_daemon(layout)
    routes = relay_routes(layout)
    if not routes or daemon.is_running():
        return False
    for route in routes:
        with (
            contextlib.suppress(OSError),
            socket.create_connection((route.listen_host, route.listen_port), timeout=1.0),
        ):
            raise DaemonError(
                f"cannot start the relays: something else listens on {route.listen_host}:"
                f"{route.listen_port} ({route.key}); stop it, or `cluster down --purge` and "
                f"`cluster up --latency` again for new ports"
            )
    config = relays_dir(layout) / CONFIG_NAME
    write_config(config, routes)
    daemon.start(
        [sys.executable, "-m", "hotelreviews.cluster.relay", str(config)], cwd=config.parent
    )
    for route in routes:
        wait_for_tcp(route.listen_host, route.listen_port, timeout, daemon=daemon)
    return True


# ---- forwarding ----------------------------------------------------------------------------


async def serve(routes: list[RelayRoute]) -> list[asyncio.Server]:
    """Listen on every route's port; each connection is forwarded with the route's delay."""
    servers = []
    for route in routes:
        servers.append(
            await asyncio.start_server(
                lambda reader, writer, route=route: _relay_connection(route, reader, writer),
                route.listen_host,
                route.listen_port,
                reuse_address=True,
            )
        )
    return servers


async def _relay_connection(
    route: RelayRoute, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
) -> None:
    loop = asyncio.get_running_loop()
    opened = loop.time()
    delay = route.one_way_delay
    errors: list[str] = []
    try:
        # The SYN travels to the target region before the target sees a connection.
        await _sleep_until(opened + delay)
        if client_reader.at_eof():
            return  # a probe (e.g. `cluster up` waiting for the port): nothing to forward
        try:
            target_reader, target_writer = await asyncio.wait_for(
                asyncio.open_connection(route.target_host, route.target_port), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError) as error:
            _note_reachability(route, f"{error}" or type(error).__name__)
            # The refusal travels back before the client learns of it; then a reset, which
            # a client takes for a refused connection (and tries its next host).
            await _sleep_until(opened + 2 * delay)
            _reset(client_writer)
            return
        _note_reachability(route, None)
        try:
            # The client's bytes leave once its handshake would have completed: a round trip
            # after it connected.
            await asyncio.gather(
                _pump(client_reader, target_writer, delay, opened + 2 * delay, errors),
                _pump(target_reader, client_writer, delay, 0.0, errors),
            )
        finally:
            target_writer.close()
    finally:
        client_writer.close()
        if errors:  # once per connection, however many chunks failed
            log.warning("%s: connection from %s: %s", route.key, _peer(client_writer), errors[0])


# Per route, the last failure to reach its target (None: reachable): a target that is down
# is logged when it goes down and when it is back, not on every connection meanwhile.
_unreachable: dict[str, str | None] = {}


def _note_reachability(route: RelayRoute, failure: str | None) -> None:
    before = _unreachable.get(route.key)
    _unreachable[route.key] = failure
    target = f"{route.target_host}:{route.target_port}"
    if failure is not None and before is None:
        log.warning("%s: cannot reach %s: %s", route.key, target, failure)
    elif failure is None and before is not None:
        log.info("%s: %s reachable again", route.key, target)


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    delay: float,
    not_before: float,
    errors: list[str],
) -> None:
    """Forward one direction: a reader filling a bounded queue of (due time, chunk), a writer
    releasing each chunk when due. End of stream is forwarded as a half-close; a reset or a
    peer gone while writing ends the direction quietly (that is how many clients leave)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue(QUEUE_CHUNKS)

    async def read() -> None:
        try:
            while chunk := await reader.read(CHUNK_BYTES):
                await queue.put((due_time(loop.time(), delay=delay, not_before=not_before), chunk))
        except OSError as error:
            if not _peer_left(error):
                errors.append(f"reading: {error}")
        await queue.put((due_time(loop.time(), delay=delay, not_before=not_before), None))

    async def write() -> None:
        while True:
            due, chunk = await queue.get()
            await _sleep_until(due)
            try:
                if chunk is None:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(chunk)
                await writer.drain()
            except OSError as error:
                if not _peer_left(error):
                    errors.append(f"writing: {error}")
                return

    reading = asyncio.ensure_future(read())
    await write()
    if not reading.done():  # nobody to deliver to: stop reading (it may wait on a full queue)
        reading.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reading


def _peer_left(error: OSError) -> bool:
    """A reset, or a peer gone before we wrote or half-closed (HAProxy's health checks
    end with a reset): a normal end of a connection, not worth a log line."""
    return isinstance(error, ConnectionResetError | BrokenPipeError) or error.errno in (
        errno.ECONNRESET,
        errno.EPIPE,
        errno.ENOTCONN,
    )


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if peer else "?"


async def _sleep_until(when: float) -> None:
    # asyncio may wake a timer a hair early; the modelled delay is a lower bound.
    loop = asyncio.get_running_loop()
    remaining = when - loop.time()
    while remaining > 0:
        await asyncio.sleep(remaining)
        remaining = when - loop.time()


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()


async def _run(config: Path) -> int:
    routes = read_config(config)
    try:
        servers = await serve(routes)
    except OSError as error:
        log.error("cannot listen on every relay port (%s): %s", config, error)
        return 1
    log.info("relaying %d routes from %s", len(routes), config)
    await asyncio.gather(*(server.serve_forever() for server in servers))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m hotelreviews.cluster.relay <relays.json>", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return asyncio.run(_run(Path(argv[0])))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
