"""`hotelreviews dr drill --kill postgres` as an operator runs it, with short phases, on a
real cluster from `hotelreviews cluster up --no-demo`: every process real (PostgreSQL,
Redis, APIs, workers, HAProxy). The teardown runs `cluster down --purge` whatever happened.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cluster_marks import WHOLE_CLUSTER
from tests.support.pg_server import free_port

pytestmark = WHOLE_CLUSTER

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")


def run_cli(
    environment: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotelreviews", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def cluster_environment() -> Iterator[dict[str, str]]:
    # PostgreSQL runs as an unprivileged user that must reach its directories: pytest's
    # tmp_path (0700, root's) is not traversable, a directory of our own is.
    data_dir = Path(tempfile.mkdtemp(prefix="hr-drill-"))
    data_dir.chmod(0o755)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")
    } | {"HOTELREVIEWS_DATA_DIR": str(data_dir)}
    try:
        up = run_cli(
            environment,
            "cluster",
            "up",
            "--no-demo",
            "--api-per-region",
            "1",
            "--port",
            str(free_port("127.0.0.1")),
        )
        assert up.returncode == 0, up.stdout + up.stderr
        yield environment
    finally:
        down = run_cli(environment, "cluster", "down", "--purge", timeout=300)
        shutil.rmtree(data_dir, ignore_errors=True)
        assert down.returncode == 0, down.stdout + down.stderr


def the_report(environment: dict[str, str]) -> tuple[dict[str, Any], Path]:
    drills = Path(environment["HOTELREVIEWS_DATA_DIR"]) / "cluster" / "drills"
    [json_path] = sorted(drills.glob("*-postgres.json"))
    return json.loads(json_path.read_text()), json_path.with_suffix(".md")


def test_a_postgres_drill_fails_over_within_the_loss_goal_and_leaves_the_cluster_whole(
    cluster_environment: dict[str, str],
) -> None:
    drill = run_cli(
        cluster_environment,
        "dr",
        "drill",
        "--kill",
        "postgres",
        "--before",
        "3",
        "--after",
        "3",
        "--grace",
        "2",
        "--users",
        "2",
        "--rate",
        "10",
    )

    assert drill.returncode == 0, drill.stdout + drill.stderr
    report, markdown = the_report(cluster_environment)
    assert str(markdown) in drill.stdout.replace("\n        ", "\n")
    assert markdown.read_text().startswith(f"### Drill `{report['run_id']}`")
    assert isinstance(report["rto_seconds"], float) and report["rto_seconds"] > 0
    # The goal is RPO <= 1 s of acknowledged writes (docs/dr-drill.md): replication is
    # asynchronous, so a write acknowledged just before the kill may be lost — seen once in
    # three CI runs since the workers' review intelligence writes more WAL. What must hold:
    # nothing lost, or only writes acknowledged within the last second.
    loss = report["rpo"]
    assert loss["count"] == 0 or loss["reaches_back_seconds"] <= 1.0, loss
    assert report["primary_before"] == "us-east-1"
    assert report["new_primary"] in ("eu-west-1", "ap-southeast-1")
    for region in REGIONS:
        assert report["read_availability_during"][region]["answered"] > 0, region
        for phase, summary in report["read_latency_ms"][region].items():
            assert summary["count"] > 0, (region, phase)
    assert report["requests"]["acknowledged_writes"] > 0
    assert report["problems"] == []

    # Whole again: the old primary rejoined; one primary, two replicas streaming from it.
    status = run_cli(cluster_environment, "dr", "status", "--json", timeout=120)
    assert status.returncode == 0, status.stdout + status.stderr
    servers = {server["region"]: server for server in json.loads(status.stdout)["servers"]}
    primary = report["new_primary"]
    assert servers[primary]["role"] == "primary"
    for region in REGIONS:
        if region != primary:
            assert servers[region]["role"] == "replica", region
            assert (servers[region]["follows"], servers[region]["receiver"]) == (
                primary,
                "streaming",
            ), region
            assert not servers[region]["fenced"], region
    # The drill's writes are gone (workers would retry a bucket that does not exist).
    assert any(step.endswith(" deleted") for step in report["cleanup"])
