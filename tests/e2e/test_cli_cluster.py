"""`hotelreviews cluster up | status | down` as an operator runs them: three PostgreSQL
servers, three Redis, six API servers, three workers, four HAProxy — all real processes.

One cluster for the module (it takes a while to start on a small machine); the tests run in
file order and the last one takes it down. The teardown runs `cluster down --purge` whatever
happened, then checks itself that no process or port of the layout is left.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from hotelreviews.cluster.daemons import process_start_time
from tests.support.cluster_marks import WHOLE_CLUSTER
from tests.support.pg_server import free_port

pytestmark = WHOLE_CLUSTER

DEMO_REVIEWS = 300


@dataclass
class Cluster:
    data_dir: Path
    environment: dict[str, str]
    up: subprocess.CompletedProcess[str]

    @property
    def root(self) -> Path:
        return self.data_dir / "cluster"

    @property
    def layout(self) -> dict[str, Any]:
        return json.loads((self.root / "cluster.json").read_text())

    @property
    def ca_file(self) -> Path:
        return self.root / "tls" / "ca.crt"

    def cli(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hotelreviews", "cluster", *args],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def status(self) -> tuple[int, dict[str, Any]]:
        done = self.cli("status", "--json", timeout=120)
        return done.returncode, json.loads(done.stdout)

    def get(self, path: str, region: str | None = None) -> tuple[int, Message, Any]:
        layout = self.layout
        request = urllib.request.Request(
            f"https://{layout['global_address']}:{layout['global_port']}{path}"
        )
        if region is not None:
            request.add_header("X-Region", region)
        context = ssl.create_default_context(cafile=str(self.ca_file))
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            return response.status, response.headers, json.loads(response.read())


def _every_pid(status: dict[str, Any]) -> list[int]:
    pids = [status["global"]["pid"], status["watcher"]["pid"]]
    for part in status["regions"].values():
        pids += [api["pid"] for api in part["apis"]]
        pids += [part[key]["pid"] for key in ("worker", "balancer", "redis")]
    pids += [node["pid"] for node in status["databases"]]
    return pids


def _every_port(layout: dict[str, Any]) -> list[tuple[str, int]]:
    ports = [(layout["global_address"], layout["global_port"])]
    for spec in layout["regions"].values():
        for key in ("postgres_port", "redis_port", "worker_metrics_port", "balancer_port"):
            ports.append((spec["address"], spec[key]))
        ports += [(spec["address"], port) for port in spec["api_ports"]]
    return ports


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # PostgreSQL runs as an unprivileged user that must reach its directories: pytest's
    # tmp_path (0700, root's) is not traversable, a directory of our own is.
    data_dir = Path(tempfile.mkdtemp(prefix="hr-cluster-"))
    data_dir.chmod(0o755)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")
    } | {"HOTELREVIEWS_DATA_DIR": str(data_dir)}
    made = Cluster(data_dir, environment, subprocess.CompletedProcess([], 0, "", ""))
    try:
        made.up = made.cli(
            "up",
            "--port",
            str(free_port("127.0.0.1")),
            "--demo",
            "--demo-reviews",
            str(DEMO_REVIEWS),
        )
        yield made
    finally:
        pids, ports = [], []
        if (made.root / "cluster.json").exists():
            ports = _every_port(made.layout)
            _code, status = made.status()
            pids = [pid for pid in _every_pid(status) if pid is not None]
        made.cli("down", "--purge", timeout=300)
        shutil.rmtree(data_dir, ignore_errors=True)
        assert [pid for pid in pids if process_start_time(pid) is not None] == []
        assert [port for port in ports if _accepts(*port)] == []


def test_up_starts_every_part_and_says_how_to_reach_it(cluster: Cluster) -> None:
    assert cluster.up.returncode == 0, cluster.up.stdout + cluster.up.stderr
    output = cluster.up.stdout
    assert "The cluster is up" in output
    port = cluster.layout["global_port"]
    assert (
        f"curl --cacert {cluster.ca_file} -H 'X-Region: eu-west-1' "
        f"https://127.0.0.1:{port}/api/v1/hotels" in output
    )


def test_status_shows_one_primary_and_two_streaming_replicas_with_their_lag(
    cluster: Cluster,
) -> None:
    code, status = cluster.status()

    assert code == 0, status["problems"]
    assert status["ok"] and status["problems"] == []
    nodes = {node["region"]: node for node in status["databases"]}
    assert nodes["us-east-1"]["role"] == "primary"
    for region in ("eu-west-1", "ap-southeast-1"):
        assert nodes[region]["role"] == "replica"
        assert nodes[region]["receiver"] == "streaming"
        assert nodes[region]["follows"] == "us-east-1"
        assert isinstance(nodes[region]["lag_bytes"], int)
        assert nodes[region]["lag_seconds"] is None or nodes[region]["lag_seconds"] >= 0
    assert all(isinstance(pid, int) for pid in _every_pid(status))
    for region, part in status["regions"].items():
        assert [api["balancer_view"] for api in part["apis"]] == ["UP", "UP"], region
        assert all(api["ready"] for api in part["apis"])
        assert part["redis"]["ready"]
    assert status["global"]["regions"] == {
        "us-east-1": "UP",
        "eu-west-1": "UP",
        "ap-southeast-1": "UP",
    }
    # Each process names itself to PostgreSQL: the primary sees every worker and API.
    connected = set(nodes["us-east-1"]["applications"])
    assert {"worker-us-east-1", "worker-eu-west-1", "worker-ap-southeast-1"} <= connected


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-1", "us-east-1"])
def test_the_global_entry_serves_a_region_asked_for_over_verified_tls(
    cluster: Cluster, region: str
) -> None:
    status, headers, body = cluster.get("/api/v1/hotels?limit=5", region=region)

    assert status == 200
    assert headers["X-Hotelreviews-Region"] == region
    assert body["items"], "the demo hotels, replicated to every region"


def test_a_request_without_a_region_goes_to_the_default_region(cluster: Cluster) -> None:
    _status, headers, _body = cluster.get("/api/v1/hotels?limit=1")

    assert headers["X-Hotelreviews-Region"] == "us-east-1"


def test_up_on_a_running_cluster_says_so_and_changes_nothing(cluster: Cluster) -> None:
    before = cluster.status()[1]

    again = cluster.cli("up")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "already running" in again.stdout
    assert _every_pid(cluster.status()[1]) == _every_pid(before)


def test_up_restarts_a_dead_api_and_keeps_a_drained_region_drained(cluster: Cluster) -> None:
    drained = cluster.cli("drain", "eu-west-1")
    assert drained.returncode == 0, drained.stdout + drained.stderr
    try:
        api = cluster.root / "us-east-1" / "apps" / "api-us-east-1-2.pid.json"
        dead = json.loads(api.read_text())["pid"]
        os.kill(dead, signal.SIGKILL)

        again = cluster.cli("up")

        assert again.returncode == 0, again.stdout + again.stderr
        assert "api-us-east-1-2 on" in again.stdout
        code, status = cluster.status()
        assert code == 0, status["problems"]
        assert status["global"]["regions"]["eu-west-1"] == "MAINT"
        assert status["regions"]["us-east-1"]["apis"][1]["pid"] != dead
        # The drained region's clients are served by its nearest neighbour.
        assert (
            cluster.get("/api/v1/hotels?limit=1", region="eu-west-1")[1]["X-Hotelreviews-Region"]
            == "us-east-1"
        )
    finally:
        cluster.cli("undrain", "eu-west-1")


def test_down_stops_every_process_and_closes_every_port(cluster: Cluster) -> None:
    _code, status = cluster.status()
    pids = _every_pid(status)
    ports = _every_port(cluster.layout)

    done = cluster.cli("down", timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr
    assert [pid for pid in pids if process_start_time(pid) is not None] == []
    assert [port for port in ports if _accepts(*port)] == []
    code, after = cluster.status()
    assert code == 1
    assert "global entry: not running" in after["problems"]


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue  # exited meanwhile
    return found


def test_a_part_that_cannot_start_stops_everything_and_says_why() -> None:
    from hotelreviews.cluster.layout import plan

    data_dir = Path(tempfile.mkdtemp(prefix="hr-cluster-"))
    data_dir.chmod(0o755)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")
    } | {"HOTELREVIEWS_DATA_DIR": str(data_dir)}
    made = Cluster(data_dir, environment, subprocess.CompletedProcess([], 0, "", ""))
    # A layout whose eu-west-1 API port another program holds by the time `up` runs.
    layout = plan(made.root, global_port=free_port("127.0.0.1"))
    layout.save()
    taken = layout.regions["eu-west-1"].api_ports[0]
    try:
        with socket.create_server(("127.0.0.1", taken)):
            done = made.cli("up", "--no-demo")

            assert done.returncode == 1
            assert (
                f"cannot start api-eu-west-1-1: something else listens on 127.0.0.1:{taken}"
                in done.stderr
            )
            assert "Nothing is left running" in done.stderr
            others = [port for port in _every_port(made.layout) if port[1] != taken]
            assert [port for port in others if _accepts(*port)] == []
            assert _processes_mentioning(str(data_dir)) == []
    finally:
        made.cli("down", "--purge", timeout=300)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_with_latency_traffic_between_regions_pays_the_round_trip_through_relays() -> None:
    import time

    from hotelreviews.cluster.layout import ClusterLayout

    data_dir = Path(tempfile.mkdtemp(prefix="hr-cluster-"))
    data_dir.chmod(0o755)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")
    } | {"HOTELREVIEWS_DATA_DIR": str(data_dir)}
    made = Cluster(data_dir, environment, subprocess.CompletedProcess([], 0, "", ""))
    try:
        port = str(free_port("127.0.0.1"))
        made.up = made.cli("up", "--latency", "--no-demo", "--api-per-region", "1", "--port", port)
        assert made.up.returncode == 0, made.up.stdout + made.up.stderr
        layout = ClusterLayout.load(made.root)
        assert layout.latency and len(layout.relays) == 12

        code, status = made.status()
        assert code == 0, status["problems"]
        assert status["relays"]["running"]
        # A new connection through a relay pays the handshake's round trip and the request's.
        for entry in status["relays"]["round_trips"]:
            assert entry["measured_ms"] >= 2 * entry["modelled_ms"], entry
        # Each replica streams from the primary through its region's relay.
        for region in ("eu-west-1", "ap-southeast-1"):
            relay_port = layout.relays[f"{region}>us-east-1:postgres"]
            assert layout.node(region).upstream_address() == ("127.0.0.1", relay_port)
        receivers = {node["region"]: node.get("receiver") for node in status["databases"]}
        assert receivers["eu-west-1"] == receivers["ap-southeast-1"] == "streaming"

        # A client of a drained eu-west-1 is served by us-east-1, 70 ms away.
        assert made.cli("drain", "eu-west-1").returncode == 0
        started = time.monotonic()
        _status, headers, _body = made.get("/readyz", "eu-west-1")
        assert headers["X-Hotelreviews-Region"] == "us-east-1"
        assert time.monotonic() - started >= 0.070

        relay_ports = [("127.0.0.1", port) for port in layout.relays.values()]
        done = made.cli("down", timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "relays: terminated" in done.stdout
        assert [port for port in relay_ports if _accepts(*port)] == []
        assert _processes_mentioning(str(data_dir)) == []
    finally:
        made.cli("down", "--purge", timeout=300)
        shutil.rmtree(data_dir, ignore_errors=True)
