"""`hotelreviews dr` as an operator runs it, on the cluster's three PostgreSQL servers
(laid out and saved as `cluster up` does; no apps needed to move the primary around)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hotelreviews.cluster.layout import ClusterLayout
from tests.conftest import BACKENDS
from tests.support.pg_cluster import three_region_databases

pytestmark = pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="disaster recovery needs PostgreSQL"
)


@pytest.fixture
def cluster() -> Iterator[ClusterLayout]:
    with three_region_databases() as layout:
        yield layout


def dr(layout: ClusterLayout, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOTELREVIEWS_DATA_DIR": str(layout.root.parent)}
    return subprocess.run(
        [sys.executable, "-m", "hotelreviews", "dr", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def servers(layout: ClusterLayout) -> tuple[bool, dict[str, dict[str, Any]]]:
    result = dr(layout, "status", "--json")
    document = json.loads(result.stdout)
    assert result.returncode == (0 if document["ok"] else 1), result.stderr
    return document["ok"], {server["region"]: server for server in document["servers"]}


def roles(layout: ClusterLayout) -> dict[str, tuple[str, str | None]]:
    _, by_region = servers(layout)
    return {region: (server["role"], server["follows"]) for region, server in by_region.items()}


def test_status_switchover_failover_and_rejoin_from_the_command_line(
    cluster: ClusterLayout,
) -> None:
    ok, by_region = servers(cluster)
    assert ok
    assert by_region["us-east-1"]["role"] == "primary"
    for region in ("eu-west-1", "ap-southeast-1"):
        assert by_region[region]["receiver"] == "streaming"
        assert by_region[region]["lag_bytes"] is not None
        assert by_region[region]["timeline"] == 1

    moved = dr(cluster, "switchover", "--to", "ap-southeast-1")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "done" in moved.stdout and "new_primary: ap-southeast-1" in moved.stdout
    assert roles(cluster) == {
        "us-east-1": ("replica", "ap-southeast-1"),
        "eu-west-1": ("replica", "ap-southeast-1"),
        "ap-southeast-1": ("primary", None),
    }

    refused = dr(cluster, "failover")
    assert refused.returncode == 1
    assert "the primary in ap-southeast-1 answers" in refused.stderr

    cluster.node("ap-southeast-1").kill()
    ok, _ = servers(cluster)
    assert not ok  # no primary: status says the cluster is not whole
    failed_over = dr(cluster, "failover", "--to", "us-east-1")
    assert failed_over.returncode == 0, failed_over.stdout + failed_over.stderr
    _, by_region = servers(cluster)
    assert by_region["ap-southeast-1"]["fenced"] and by_region["ap-southeast-1"]["role"] == "down"
    assert by_region["us-east-1"]["role"] == "primary"

    rejoined = dr(cluster, "rejoin", "ap-southeast-1")
    assert rejoined.returncode == 0, rejoined.stdout + rejoined.stderr
    ok, by_region = servers(cluster)
    assert ok and not by_region["ap-southeast-1"]["fenced"]
    assert {region: server["timeline"] for region, server in by_region.items()} == {
        "us-east-1": 3,
        "eu-west-1": 3,
        "ap-southeast-1": 3,
    }


def test_an_unknown_region_and_a_missing_cluster_are_clear_errors(
    cluster: ClusterLayout, tmp_path: Any
) -> None:
    unknown = dr(cluster, "switchover", "--to", "mars-1")
    assert unknown.returncode == 1 and "no region 'mars-1'" in unknown.stderr
    env = {**os.environ, "HOTELREVIEWS_DATA_DIR": str(tmp_path)}
    missing = subprocess.run(
        [sys.executable, "-m", "hotelreviews", "dr", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "hotelreviews cluster up" in missing.stderr


def test_dr_watch_fails_over_on_its_own_and_stops_on_sigterm(cluster: ClusterLayout) -> None:
    env = {**os.environ, "HOTELREVIEWS_DATA_DIR": str(cluster.root.parent)}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "hotelreviews", "dr", "watch", "--after", "1", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        cluster.node("us-east-1").kill()
        deadline = time.monotonic() + 60
        while roles(cluster).get("us-east-1", ("", None))[0] != "down" or not any(
            role == "primary" for role, _ in roles(cluster).values()
        ):
            assert time.monotonic() < deadline, "the watcher did not fail over"
            time.sleep(0.2)
    finally:
        watcher.send_signal(signal.SIGTERM)
        output, _ = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, output
    assert "failing over" in output and "stopped (1 failover)" in output
    _, by_region = servers(cluster)
    assert by_region["us-east-1"]["fenced"]
