"""One redis-server per region: its own port and directory, no persistence.

Redis holds only the response cache and rate-limit counters, which rebuild themselves, so
nothing is saved (`--save ""`, `--appendonly no`): a restarted region starts with an empty
cache. The server runs in the foreground under hotelreviews.cluster.daemons, its log lines
going to stdout and from there to the region's log file.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from hotelreviews.cluster.daemons import Daemon, DaemonError, StopResult, accepts, wait_for_tcp

INSTALL_HINT = (
    "redis-server was not found: run scripts/ensure-system-packages.sh as root "
    "(or apt-get install redis-server)"
)
STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class RedisInstance:
    """Where one region's Redis lives and listens."""

    region: str
    directory: Path
    port: int
    bind: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"redis://{self.bind}:{self.port}/0"

    @property
    def daemon(self) -> Daemon:
        return Daemon(
            f"redis ({self.region})",
            self.directory / "redis.pid.json",
            self.directory / "redis.log",
        )


def redis_command(instance: RedisInstance, binary: str) -> list[str]:
    """The redis-server command line for `instance`."""
    return [
        binary,
        "--port",
        str(instance.port),
        "--bind",
        instance.bind,
        "--dir",
        str(instance.directory),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        # '' sends the log to stdout, which the daemon's log file collects.
        "--logfile",
        "",
    ]


def start_redis(instance: RedisInstance, *, timeout: float = STARTUP_TIMEOUT) -> bool:
    """Start the region's Redis unless it runs already; wait until it answers PING.
    Returns whether it was started by this call."""
    daemon = instance.daemon
    if daemon.is_running():
        return False
    binary = shutil.which("redis-server")
    if binary is None:
        raise DaemonError(INSTALL_HINT)
    if ping(instance.bind, instance.port) or accepts(instance.bind, instance.port):
        raise DaemonError(
            f"cannot start {daemon.name}: something else listens on "
            f"{instance.bind}:{instance.port} (not the Redis recorded in {daemon.pid_file}); "
            f"stop it or choose another port"
        )
    instance.directory.mkdir(parents=True, exist_ok=True)
    daemon.start(redis_command(instance, binary), cwd=instance.directory)
    wait_for_tcp(instance.bind, instance.port, timeout, daemon=daemon)
    if not ping(instance.bind, instance.port):
        raise DaemonError(
            f"{daemon.name} accepts connections on {instance.bind}:{instance.port} but does "
            f"not answer PING; see {daemon.log_file}"
        )
    return True


def stop_redis(instance: RedisInstance) -> StopResult:
    """Stop the region's Redis (SIGTERM: it exits at once, having nothing to save)."""
    return instance.daemon.stop()


def ping(host: str, port: int, *, timeout: float = 1.0) -> bool:
    """Whether a Redis server at host:port answers PING (no client library needed)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False
