"""The cluster layout: where each region reaches the others, with and without --latency."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hotelreviews.cluster import layout as layout_module
from hotelreviews.cluster.layout import ClusterLayout, nearest_first, plan


def test_regions_fail_over_to_the_nearest_first() -> None:
    assert nearest_first("us-east-1") == ["us-east-1", "eu-west-1", "ap-southeast-1"]
    assert nearest_first("eu-west-1") == ["eu-west-1", "us-east-1", "ap-southeast-1"]
    assert nearest_first("ap-southeast-1") == ["ap-southeast-1", "eu-west-1", "us-east-1"]


def test_without_latency_every_region_reaches_the_others_directly(tmp_path: Path) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1)
    us, eu = layout.regions["us-east-1"], layout.regions["eu-west-1"]
    assert layout.reach("eu-west-1", "us-east-1", "postgres") == (us.address, us.postgres_port)
    assert layout.reach("us-east-1", "eu-west-1", "balancer") == (eu.address, eu.balancer_port)
    url = layout.database_url("eu-west-1")
    assert url.startswith(
        f"postgresql+asyncpg://postgres@/hotelreviews?host=127.0.0.1:{eu.postgres_port}&"
    )
    assert url.endswith("&target_session_attrs=read-write")
    assert layout.node("eu-west-1").route_to(layout.node("us-east-1")) == (
        "127.0.0.1",
        us.postgres_port,
    )


def test_with_latency_other_regions_are_reached_through_their_relays(tmp_path: Path) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1, latency=True)
    eu = layout.regions["eu-west-1"]
    to_us = layout.reach("eu-west-1", "us-east-1", "postgres")
    to_ap = layout.reach("eu-west-1", "ap-southeast-1", "postgres")
    assert to_us == ("127.0.0.1", layout.relays["eu-west-1>us-east-1:postgres"])
    assert len({*layout.relays.values()}) == 12  # 3 regions × 2 others × 2 services
    # Its own server directly, the others through relays, nearest first.
    assert layout.replica_urls("eu-west-1") == [
        f"postgresql+asyncpg://postgres@127.0.0.1:{eu.postgres_port}/hotelreviews",
        f"postgresql+asyncpg://postgres@127.0.0.1:{to_us[1]}/hotelreviews",
        f"postgresql+asyncpg://postgres@127.0.0.1:{to_ap[1]}/hotelreviews",
    ]
    # A replica streams from the primary through the relay of its own region's way there.
    assert layout.node("eu-west-1").route_to(layout.node("us-east-1")) == to_us
    assert layout.reach("eu-west-1", "eu-west-1", "balancer") == (eu.address, eu.balancer_port)


def test_a_saved_layout_loads_the_same(tmp_path: Path) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=2, latency=True)
    layout.save()
    loaded = ClusterLayout.load(tmp_path / "cluster")
    assert loaded.regions == layout.regions and loaded.relays == layout.relays
    assert loaded.latency and loaded.root == layout.root.resolve()


def test_planned_ports_lie_outside_the_kernels_ephemeral_range(tmp_path: Path) -> None:
    # Bound only when their services start: inside the ephemeral range any connection or
    # bind(0) on the machine could take one meanwhile.
    low, high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    layout = plan(tmp_path / "cluster", api_per_region=2, latency=True)
    ports = [*layout.relays.values()]
    for spec in layout.regions.values():
        ports += [spec.postgres_port, spec.redis_port, spec.worker_metrics_port, spec.balancer_port]
        ports += spec.api_ports
    assert not [port for port in ports if low <= port <= high]


def test_a_plan_never_gives_two_services_the_same_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every draw is free when made, but nothing is bound until the services start: a plan
    # that forgot its earlier draws once gave a region's Redis and worker one port (CI).
    draws = (port for fresh in itertools.count(30001) for port in (fresh, fresh))  # each twice
    monkeypatch.setattr(layout_module.random, "choice", lambda _candidates: next(draws))
    layout = plan(tmp_path / "cluster", api_per_region=2, latency=True)
    ports = [layout.global_port, *layout.relays.values()]
    for spec in layout.regions.values():
        ports += [spec.postgres_port, spec.redis_port, spec.worker_metrics_port, spec.balancer_port]
        ports += spec.api_ports
    assert len(ports) == len(set(ports)) == 3 * 6 + 12 + 1
