"""Child processes of the test servers (Redis, Prometheus, moto's S3, `hotelreviews serve`)."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import IO

_PR_SET_PDEATHSIG = 1
# Loaded now, not in the forked child (where another thread may hold the loader's lock).
try:
    _libc: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
except OSError:
    _libc = None


def die_with_parent() -> None:
    """In the child (preexec_fn): get SIGKILL when the process that started it dies (Linux
    only), so that a test run killed outright leaves no server behind."""
    if _libc is not None:
        with contextlib.suppress(Exception):
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def stop_process(process: subprocess.Popen | None, *, grace_seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within the grace period; reaped either way."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def start_serve(*, port: int, env: Mapping[str, str], log: IO[bytes]) -> subprocess.Popen:
    """`hotelreviews serve` on 127.0.0.1:`port` in a child that dies with this process; its
    log (stderr) to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "hotelreviews", "serve", "--port", str(port)],
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads of ours to deadlock yet
    )
