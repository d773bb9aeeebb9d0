"""`cluster down`: stop every process of the cluster, callers before what they call — API
servers, workers, the global entry, the regional balancers, Redis, PostgreSQL (fast
shutdown), last the latency relays (`--latency`: a primary's clean shutdown still sends its
last WAL through them to the replicas) — then check that nothing is left: no process recorded
anywhere in the layout is alive and no port of the layout accepts connections.

Each part is stopped on its own: one already dead, never started or failing to stop does not
keep the others running (what happened is reported instead).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hotelreviews.cluster import apps, front, relay, watcher
from hotelreviews.cluster.daemons import Daemon, DaemonRecord, accepts, process_start_time
from hotelreviews.cluster.databases import stop_databases
from hotelreviews.cluster.layout import RELAY_ADDRESS, ClusterLayout

# Sockets of processes that just exited close with them; this only covers the lag of a
# process being reaped on a busy machine.
PORTS_CLOSE_WITHIN = 10.0


@dataclass
class DownReport:
    stopped: list[tuple[str, str]] = field(default_factory=list)  # (what, how it ended)
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def cluster_down(
    layout: ClusterLayout, *, purge: bool = False, say: Callable[[str], None] = lambda _: None
) -> DownReport:
    """Stop everything in the layout and verify it; with `purge`, then delete its directory
    (only when everything did stop: a running server's files are never deleted)."""
    report = DownReport()
    daemons = all_daemons(layout)
    # Who was running before: a process whose pid file is removed on the way still counts.
    recorded = {daemon.name: daemon.record() for daemon in daemons}
    postmasters = {
        region: _with_start_time(node.postmaster_pid()) for region, node in layout.nodes().items()
    }

    relays = relay.relay_daemon(layout)
    for daemon in daemons:
        if daemon != relays:
            _stop_daemon(daemon, recorded[daemon.name], report, say)
    _stop_postgres(layout, report)
    for region, postmaster in postmasters.items():
        if postmaster is None:
            continue
        if process_start_time(postmaster[0]) == postmaster[1]:
            report.problems.append(f"postgres ({region}, pid {postmaster[0]}) is still running")
        else:
            report.stopped.append((f"postgres ({region})", "stopped"))
            say(f"postgres ({region}): stopped")
    if relays in daemons:
        _stop_daemon(relays, recorded[relays.name], report, say)

    for name, record in recorded.items():
        if record is not None and process_start_time(record.pid) == record.start_time:
            report.problems.append(f"{name} (pid {record.pid}) is still running")
    for owner, host, port in _open_ports(layout):
        report.problems.append(f"port {host}:{port} ({owner}) still accepts connections")

    if purge:
        if report.clean:
            shutil.rmtree(layout.root, ignore_errors=True)
            say(f"deleted {layout.root}")
        else:
            report.problems.append(f"{layout.root} kept: something is still running")
    return report


def _stop_daemon(
    daemon: Daemon, record: DaemonRecord | None, report: DownReport, say: Callable[[str], None]
) -> None:
    if record is None and not daemon.pid_file.exists():
        return
    try:
        result = daemon.stop()
    except OSError as error:
        report.problems.append(f"{daemon.name}: could not stop it: {error}")
        return
    report.stopped.append((daemon.name, result.value))
    say(f"{daemon.name}: {result.value}")


def _stop_postgres(layout: ClusterLayout, report: DownReport) -> None:
    """All servers in order (the primary first); one by one when that fails, so that a
    server that cannot be stopped does not keep the others running."""
    try:
        stop_databases(layout.nodes())
        return
    except Exception:  # noqa: BLE001 - the servers are stopped one by one below instead
        pass
    for region, node in layout.nodes().items():
        try:
            node.stop(mode="fast")
        except Exception as error:  # noqa: BLE001 - reported; the checks after it still run
            report.problems.append(f"postgres ({region}): could not stop it: {error}")


def all_daemons(layout: ClusterLayout) -> list[Daemon]:
    """Every daemon of the cluster, in the order `down` stops them."""
    # The watcher first: it would take the primary's shutdown for a loss and fail over.
    watch = watcher.watcher_daemon(layout)
    daemons = [watch] if watcher.enabled(layout) or watch.is_running() else []
    daemons += [process.daemon for process in apps.app_processes(layout)]
    daemons.append(front.global_entry(layout).daemon)
    daemons += [front.balancer(layout, region).daemon for region in layout.regions]
    daemons += [apps.redis_instance(layout, region).daemon for region in layout.regions]
    if layout.relays:
        daemons.append(relay.relay_daemon(layout))
    return daemons


def layout_ports(layout: ClusterLayout) -> list[tuple[str, str, int]]:
    """(owner, address, port) of every port the layout assigns."""
    ports = [("global entry", layout.global_address, layout.global_port)]
    for region, spec in layout.regions.items():
        ports.append((f"postgres ({region})", spec.address, spec.postgres_port))
        ports.append((f"redis ({region})", spec.address, spec.redis_port))
        ports.append((f"haproxy ({region})", spec.address, spec.balancer_port))
        ports.append((f"worker-{region} metrics", spec.address, spec.worker_metrics_port))
        ports += [
            (f"api-{region}-{number}", spec.address, port)
            for number, port in enumerate(spec.api_ports, 1)
        ]
    ports += [(f"relay {key}", RELAY_ADDRESS, port) for key, port in layout.relays.items()]
    return ports


def _open_ports(layout: ClusterLayout) -> list[tuple[str, str, int]]:
    deadline = time.monotonic() + PORTS_CLOSE_WITHIN
    while True:
        still_open = [entry for entry in layout_ports(layout) if accepts(entry[1], entry[2])]
        if not still_open or time.monotonic() >= deadline:
            return still_open
        time.sleep(0.2)


def _with_start_time(pid: int | None) -> tuple[int, int] | None:
    if pid is None:
        return None
    start_time = process_start_time(pid)
    return (pid, start_time) if start_time is not None else None
