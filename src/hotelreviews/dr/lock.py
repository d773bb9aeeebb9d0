"""One disaster-recovery operation at a time per cluster.

Two operations acting on the same servers at once — a watcher's automatic failover and an
operator's switchover, two failovers promoting different replicas — could leave two
primaries. Every operation (the dr commands, the watcher, the drill) holds an exclusive
lock on `<cluster>/dr.lock` while it acts; the kernel releases it if the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from hotelreviews.dr.topology import DrError

LOCK_FILE = "dr.lock"
# How often a bounded wait for the lock tries again.
_RETRY_SECONDS = 0.1


@contextlib.contextmanager
def dr_lock(
    cluster_root: Path, *, wait: bool = True, timeout_seconds: float = 0.0
) -> Iterator[None]:
    """Hold the cluster's DR lock for the block. wait=False: DrError if it is still taken
    after `timeout_seconds` (the watcher holds it for a moment every round it looks, so an
    operation that must not queue behind a long one still waits out those moments)."""
    path = Path(cluster_root) / LOCK_FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if wait:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        else:
            _lock_within(descriptor, path, timeout_seconds)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _lock_within(descriptor: int, path: Path, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DrError(
                    "another disaster-recovery operation is running on this cluster "
                    f"({path} is locked); wait for it to finish"
                ) from None
            time.sleep(_RETRY_SECONDS)
