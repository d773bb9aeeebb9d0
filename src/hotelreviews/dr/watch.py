"""Automatic failover: watch the primary and fail over when it has been gone for a while.

Every `interval` the watcher asks each server its role. When no server answers as the
primary for `after` seconds in a row while a replica answers, it runs the same failover as
`hotelreviews dr failover` (fence the old primary, promote the most advanced replica) under
the cluster's DR lock. A DR operation already holding the lock (a switchover stops the
primary on purpose) resets the count: the watcher never acts in the middle of another one.

`after` trades detection time against false alarms: a primary restarted on purpose comes
back within seconds; the default of 10 s plus about a second of failover keeps the recovery
time well inside the 5-minute objective (and our own 30 s).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass

from hotelreviews.cluster.pg import PgNode
from hotelreviews.dr.failover import Failover, failover
from hotelreviews.dr.topology import DrError, roles


@dataclass(frozen=True)
class WatchPolicy:
    after_seconds: float = 10.0  # no primary for this long (and a replica answering): act
    interval_seconds: float = 1.0


def watch(
    nodes: Callable[[], Mapping[str, PgNode]],
    *,
    lock: Callable[[], AbstractContextManager[None]],
    policy: WatchPolicy = WatchPolicy(),
    stop: threading.Event | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> list[Failover]:
    """Watch until `stop` is set; the failovers it ran. `nodes` is called each round (the
    layout may change); `lock` gives the cluster's DR lock without waiting (DrError if taken).
    """
    stop = stop or threading.Event()
    done: list[Failover] = []
    missing_since: float | None = None
    while not stop.is_set():
        try:
            with lock():
                missing_since = _observe(nodes(), missing_since, policy, say, done)
        except DrError as busy:
            if missing_since is not None:
                say(f"not acting: {busy}")
            missing_since = None
        stop.wait(policy.interval_seconds)
    return done


def _observe(
    nodes: Mapping[str, PgNode],
    missing_since: float | None,
    policy: WatchPolicy,
    say: Callable[[str], None],
    done: list[Failover],
) -> float | None:
    """One round: when the primary has been missing since; a failover once long enough."""
    state = roles(nodes)
    if "primary" in state.values():
        if missing_since is not None:
            say("the primary answers again")
        return None
    if "replica" not in state.values():
        if missing_since is None:
            say("no server answers: nothing to promote (restore from a backup)")
        return missing_since if missing_since is not None else time.monotonic()
    now = time.monotonic()
    if missing_since is None:
        say(f"no primary answers; failing over if none does within {policy.after_seconds:g} s")
        return now
    if now - missing_since < policy.after_seconds:
        return missing_since
    say(f"no primary for {now - missing_since:.1f} s: failing over")
    try:
        result = failover(nodes, say=say)
    except DrError as error:
        say(f"failover not possible now: {error}")
        return missing_since
    say(f"{result.new_primary} is the primary (timeline {result.timeline})")
    done.append(result)
    return None
