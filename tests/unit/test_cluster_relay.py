"""The latency relays' pure parts: which relays a layout has, the delay of each, when a chunk
is released, and the configuration file the relay daemon reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotelreviews.cluster import front
from hotelreviews.cluster.layout import ROUND_TRIP_MS, plan
from hotelreviews.cluster.relay import (
    RelayRoute,
    due_time,
    parse_key,
    read_config,
    relay_routes,
    write_config,
)
from hotelreviews.cluster.status import problems


def test_a_latency_layout_has_a_relay_to_each_other_regions_postgres_and_balancer(
    tmp_path: Path,
) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1, latency=True)
    routes = {route.key: route for route in relay_routes(layout)}
    assert len(routes) == 12
    to_us = routes["eu-west-1>us-east-1:postgres"]
    us = layout.regions["us-east-1"]
    assert (to_us.target_host, to_us.target_port) == (us.address, us.postgres_port)
    assert to_us.listen_port == layout.relays["eu-west-1>us-east-1:postgres"]
    to_ap = routes["us-east-1>ap-southeast-1:balancer"]
    assert to_ap.target_port == layout.regions["ap-southeast-1"].balancer_port
    # Where a region's processes are told to connect is where a relay listens.
    assert layout.reach("eu-west-1", "us-east-1", "postgres") == (
        to_us.listen_host,
        to_us.listen_port,
    )


def test_each_relay_delays_each_direction_by_half_the_round_trip_between_its_regions(
    tmp_path: Path,
) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1, latency=True)
    for route in relay_routes(layout):
        source, target, _ = parse_key(route.key)
        assert route.round_trip_ms == ROUND_TRIP_MS[frozenset({source, target})]
        assert route.one_way_delay == route.round_trip_ms / 2000
    delays = {route.key: route.one_way_delay for route in relay_routes(layout)}
    assert delays["us-east-1>eu-west-1:balancer"] == delays["eu-west-1>us-east-1:balancer"] == 0.035
    assert delays["ap-southeast-1>us-east-1:postgres"] == 0.11


def test_a_layout_without_latency_has_no_relays(tmp_path: Path) -> None:
    assert relay_routes(plan(tmp_path / "cluster", api_per_region=1)) == []


def test_a_chunk_is_due_its_delay_after_it_arrived_or_after_the_handshake_when_later() -> None:
    assert due_time(10.0, delay=0.035) == pytest.approx(10.035)
    # Before the modelled handshake is over the client's bytes wait for it...
    assert due_time(10.0, delay=0.11, not_before=10.22) == pytest.approx(10.33)
    # ...and after it they do not.
    assert due_time(11.0, delay=0.11, not_before=10.22) == pytest.approx(11.11)
    # Chunks in flight keep their own times: one arriving later is never due earlier.
    arrivals = [0.0, 0.001, 0.5, 0.5001]
    dues = [due_time(arrival, delay=0.08, not_before=0.16) for arrival in arrivals]
    assert dues == sorted(dues)


@pytest.mark.parametrize("key", ["eu-west-1:postgres", "a>b", ">b:postgres", "a>:postgres"])
def test_a_malformed_relay_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a relay key"):
        parse_key(key)


def test_the_daemons_configuration_file_keeps_every_route(tmp_path: Path) -> None:
    routes = [
        RelayRoute("us-east-1>eu-west-1:postgres", 40001, "127.0.0.1", 5432, 70),
        RelayRoute("eu-west-1>ap-southeast-1:balancer", 40002, "127.0.0.2", 8443, 160),
    ]
    path = tmp_path / "relays" / "relays.json"
    write_config(path, routes)
    assert read_config(path) == routes


def test_with_latency_the_global_entry_reaches_other_regions_balancers_through_relays(
    tmp_path: Path,
) -> None:
    layout = plan(tmp_path / "c", api_per_region=1, latency=True)
    config = front.global_config(layout)
    backend = config.split("backend region-eu-west-1\n", 1)[1].split("\nbackend ", 1)[0]
    servers = {line.split()[1]: line.split() for line in backend.splitlines() if "server " in line}
    eu = layout.regions["eu-west-1"]
    # Its own balancer directly; the others through eu-west-1's relays, still verified by name.
    assert servers["eu-west-1"][2] == f"{eu.address}:{eu.balancer_port}"
    for other in ("us-east-1", "ap-southeast-1"):
        relay_port = layout.relays[f"eu-west-1>{other}:balancer"]
        assert servers[other][2] == f"127.0.0.1:{relay_port}"
        assert f"verifyhost {front.region_server_name(other)}" in " ".join(servers[other])
        assert "backup" in servers[other]


def test_without_latency_the_global_entry_reaches_every_balancer_directly(tmp_path: Path) -> None:
    layout = plan(tmp_path / "c", api_per_region=1)
    config = front.global_config(layout)
    for spec in layout.regions.values():
        # Once in each region's backend and each region's writes backend, and once more as
        # the fallback for its own region's writes.
        assert config.count(f" {spec.address}:{spec.balancer_port} ") == 7


def test_status_counts_stopped_relays_as_a_problem_and_a_cluster_without_them_as_fine() -> None:
    from tests.unit.test_cluster_status_problems import _healthy

    without_latency = _healthy() | {"relays": None}
    running = _healthy() | {"relays": {"name": "relays", "pid": 7, "running": True}}
    stopped = _healthy() | {"relays": {"name": "relays", "pid": None, "running": False}}
    assert problems(without_latency) == problems(running) == []
    assert problems(stopped) == ["relays: not running (no traffic between regions)"]
