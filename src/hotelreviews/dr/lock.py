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
from collections.abc import Iterator
from pathlib import Path

from hotelreviews.dr.topology import DrError

LOCK_FILE = "dr.lock"


@contextlib.contextmanager
def dr_lock(cluster_root: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold the cluster's DR lock for the block; with wait=False, DrError if it is taken."""
    path = Path(cluster_root) / LOCK_FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise DrError(
                "another disaster-recovery operation is running on this cluster "
                f"({path} is locked); wait for it to finish"
            ) from None
        yield
    finally:
        os.close(descriptor)  # releases the lock
