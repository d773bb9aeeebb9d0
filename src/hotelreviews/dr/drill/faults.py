"""The drill's faults and their repair: SIGKILL the primary's PostgreSQL, or every process of
the primary's region; start a killed region's processes again afterwards."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from hotelreviews.cluster import apps, front
from hotelreviews.cluster.daemons import Daemon, DaemonRecord, process_start_time
from hotelreviews.cluster.layout import ClusterLayout
from hotelreviews.cluster.up import cluster_up

KILLS = ("postgres", "region")
GONE_WITHIN_SECONDS = 10.0


@dataclass(frozen=True)
class Killed:
    what: str  # postgres or region
    region: str
    processes: list[str]  # the names of what was killed


def region_daemons(layout: ClusterLayout, region: str) -> list[Daemon]:
    """Every daemon of one region: its APIs, worker, balancer and Redis."""
    daemons = [process.daemon for process in apps.api_processes(layout, region)]
    daemons.append(apps.worker_process(layout, region).daemon)
    daemons.append(front.balancer(layout, region).daemon)
    daemons.append(apps.redis_instance(layout, region).daemon)
    return daemons


def kill(layout: ClusterLayout, region: str, what: str) -> Killed:
    """SIGKILL `region`'s PostgreSQL (`postgres`) or all of the region (`region`): no
    process gets to flush, send or say goodbye. Returns once every one is gone."""
    if what not in KILLS:
        raise ValueError(f"cannot kill {what!r} (choose from {', '.join(KILLS)})")
    killed: list[str] = []
    records: list[DaemonRecord] = []
    if what == "region":
        for daemon in region_daemons(layout, region):
            record = daemon.record()
            if record is None:
                continue
            # Each daemon leads a process group of its own: the group holds what it forked
            # (HAProxy's worker) too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(record.pid, signal.SIGKILL)
            records.append(record)
            killed.append(daemon.name)
    layout.node(region).kill()
    killed.append(f"postgres ({region})")
    _wait_gone(records)
    return Killed(what=what, region=region, processes=killed)


def restore_region(layout: ClusterLayout, say: Callable[[str], None]) -> None:
    """Start whatever of the cluster is not running (`cluster up` on the same layout: it
    starts only what is stopped and waits until every region is served again)."""
    cluster_up(layout.root.parent, say=say)


def _wait_gone(records: list[DaemonRecord]) -> None:
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while any(process_start_time(r.pid) == r.start_time for r in records):
        if time.monotonic() > deadline:
            alive = [r.pid for r in records if process_start_time(r.pid) == r.start_time]
            raise RuntimeError(f"processes {alive} survived SIGKILL for {GONE_WITHIN_SECONDS} s")
        time.sleep(0.02)
