"""Throwaway Redis servers for tests and benchmarks.

Each :class:`RedisServer` runs its own ``redis-server`` on 127.0.0.1 and a free port, with its
own directory and no persistence (no RDB snapshots, no AOF). Nothing touches the machine's
shared Redis (one may listen on 6379; we never use it). A server can be killed (SIGKILL, as
a crash would) and started again on the same port, for tests of what clients do meanwhile.

The server dies with the process that started it (PR_SET_PDEATHSIG on Linux), and with
the interpreter's exit otherwise.

Usage::

    with RedisServer() as redis_server:
        url = redis_server.url  # redis://127.0.0.1:<port>/0
        redis_server.kill(); ...; redis_server.start()
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.support.pg_server import free_port
from tests.support.processes import die_with_parent, stop_process

HOST = "127.0.0.1"
INSTALL_HINT = (
    "redis-server was not found: run scripts/ensure-system-packages.sh "
    "(or apt-get install redis-server)"
)
_live: set[RedisServer] = set()


class RedisServerError(RuntimeError):
    """A throwaway Redis server could not be started."""


class RedisServer:
    def __init__(self, *, startup_timeout: float = 20.0) -> None:
        self.port: int | None = None
        self.directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._startup_timeout = startup_timeout

    @property
    def url(self) -> str:
        assert self.port is not None, "start the server first"
        return f"redis://{HOST}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Start it: on a new free port the first time, on the same port after a kill."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerError(INSTALL_HINT)
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="hotelreviews-redis-"))
        first = self.port is None
        for _attempt in range(5 if first else 1):
            if first:
                self.port = free_port(HOST)
            if self._launch(binary):
                _live.add(self)
                return self
        log = self.directory / "redis.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RedisServerError(f"redis-server did not start on port {self.port}:\n{tail}")

    def kill(self) -> None:
        """SIGKILL the server, as a crash would, and wait until it is gone."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        stop_process(self._process)
        self._process = None
        _live.discard(self)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _launch(self, binary: str) -> bool:
        assert self.directory is not None and self.port is not None
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            HOST,
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
        ]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.directory,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False  # most likely the port was taken meanwhile
            if _answers_ping(self.port):
                return True
            time.sleep(0.02)
        self.kill()
        return False


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.stop()
