"""What the load needs to know of its target before it starts, and the servers' CPU time.

- `from_cluster`: a `hotelreviews cluster up` data dir gives the global entry, its CA, the
  regions, the API servers' pids, the inbox the workers poll and whether the cluster models
  inter-region latency (`cluster up --latency`).
- `cluster_writer_key`: an API key with the ingest role for the run, revoked after it.
- `discover`: every hotel the target has (paged through GET /api/v1/hotels) and the
  providers' ids, asked once before the first step (not measured).
- `ServerCpu`: CPU seconds some processes (and their children) used so far: a region's API
  servers, its PostgreSQL server (the postmaster: every backend is its child), its Redis.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from load_mix import Hotel


@dataclass
class ClusterTarget:
    entry_url: str
    cacert: str
    regions: list[str]
    server_pids: dict[str, list[int]] = field(default_factory=dict)
    database_pids: dict[str, list[int]] = field(default_factory=dict)
    cache_pids: dict[str, list[int]] = field(default_factory=dict)
    inbox: str | None = None
    latency: bool = False


def from_cluster(data_dir: Path) -> ClusterTarget:
    from hotelreviews.cluster import apps, front
    from hotelreviews.cluster.layout import ClusterLayout
    from hotelreviews.cluster.up import cluster_root

    layout = ClusterLayout.load(cluster_root(data_dir))
    pids = {
        region: [pid for p in apps.api_processes(layout, region) if (pid := p.daemon.pid)]
        for region in layout.regions
    }
    postmasters = {region: layout.node(region).postmaster_pid() for region in layout.regions}
    redis = {region: apps.redis_instance(layout, region).daemon.pid for region in layout.regions}
    return ClusterTarget(
        entry_url=f"https://{layout.global_address}:{layout.global_port}",
        cacert=str(front.ca_path(layout)),
        regions=list(layout.regions),
        server_pids=pids,
        database_pids={region: [pid] if pid else [] for region, pid in postmasters.items()},
        cache_pids={region: [pid] if pid else [] for region, pid in redis.items()},
        inbox=str(apps.inbox_dir(layout)),
        latency=layout.latency,
    )


@contextlib.contextmanager
def cluster_writer_key(data_dir: Path, run_name: str) -> Iterator[str]:
    """A new ingest key made in the cluster's primary (as the DR drill makes its own), revoked
    when the block ends; its secret."""
    from hotelreviews.cluster.layout import ClusterLayout
    from hotelreviews.cluster.up import cluster_root
    from hotelreviews.dr.drill.data import create_writer_key, revoke_writer_key

    layout = ClusterLayout.load(cluster_root(data_dir))
    region = next(iter(layout.regions))  # its database URL finds the primary wherever it is
    key_id, secret = create_writer_key(layout, region, run_name)
    try:
        yield secret
    finally:
        revoke_writer_key(layout, region, key_id)


def discover(
    base_url: str,
    *,
    verify: ssl.SSLContext | bool,
    headers: dict[str, str] | None = None,
    page_size: int = 100,
) -> tuple[list[Hotel], list[int]]:
    """Every hotel of the target (id, external id, city, country, name) and provider ids."""
    hotels: list[Hotel] = []
    with httpx.Client(base_url=base_url, verify=verify, headers=headers, timeout=30) as client:
        cursor = None
        while True:
            params: dict[str, object] = {"limit": page_size, "sort": "name"}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/hotels", params=params).raise_for_status().json()
            hotels += [
                Hotel(
                    id=item["id"],
                    external_id=item.get("external_id"),
                    city=item.get("city"),
                    country=item.get("country"),
                    name=item.get("name"),
                )
                for item in page["items"]
            ]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        answer = client.get("/api/v1/providers", params={"limit": 100}).raise_for_status()
        providers = [item["id"] for item in answer.json()["items"]]
    return hotels, providers


class ServerCpu:
    """User + system CPU seconds of some processes and their descendants, summed: the live
    ones' own, and those of descendants that exited and were reaped (in their parent's
    children times), so a PostgreSQL backend that ends mid-step still counts."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = list(pids)

    def seconds(self) -> float | None:
        if not self.pids:
            return None
        total = 0.0
        for pid in self.pids:
            try:
                process = psutil.Process(pid)
                for each in (process, *process.children(recursive=True)):
                    times = each.cpu_times()
                    total += times.user + times.system
                    total += times.children_user + times.children_system
            except psutil.Error:
                return None  # a server went away mid-step: no honest figure
        return total
