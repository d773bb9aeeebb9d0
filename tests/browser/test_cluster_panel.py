"""The console's cluster panel against real replication: `hotelreviews serve` in a replica
region (eu-west-1) of a PostgreSQL primary (us-east-1, archiving its WAL) with one streaming
replica, both named after their regions as `hotelreviews cluster up` names them.

An admin sees the region and its role, the replica with its lag within its budget, the
primary, and the disaster-recovery state (timeline, the standby streaming, the WAL archive);
then the replica's replay is paused (degraded: over its budget) and the replica stopped
(down, and nothing left to fail over to), each seen by the panel's own refresh. The policy,
the console, axe-core and screenshots at desktop and phone widths.

A primary and a replica, not `hotelreviews cluster up`: the whole cluster (three servers,
three Redis, six APIs, HAProxy) takes a minute or more to start on a small machine
(tests/e2e/test_cli_cluster.py); what the panel shows of one replica it shows of each.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hotelreviews.core.settings import Settings
from tests.browser.conftest import ADMIN, PASSWORD, ROOT, until_ready
from tests.browser.watching import (
    DESKTOP,
    PHONE,
    Watched,
    axe_ready_page,
    check_page,
    open_page,
    sign_in,
)
from tests.conftest import BACKENDS
from tests.support.cli import run_cli
from tests.support.pg_regions import (
    PRIMARY_REGION,
    REPLICA_REGION,
    regional_primary,
    regional_replica,
)
from tests.support.pg_server import PostgresServer, ReplicaServer, free_port
from tests.support.processes import start_serve, stop_process

pytestmark = pytest.mark.xdist_group("browser")  # one browser at a time on the machine

DATABASE = "console"
# Small, so that a paused replay passes it soon; the panel refreshes itself every 5 s.
LAG_BUDGET_SECONDS = 2
# Generous: the machine may be busy; never a measure of speed.
CHANGE_MS = 60_000
CLUSTER = "/operations?view=cluster"


@dataclass(frozen=True)
class Replicated:
    base: str
    primary: PostgresServer
    replica: ReplicaServer


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicated]:
    if "postgresql" not in BACKENDS:
        pytest.skip("replicas need PostgreSQL")
    data_dir = tmp_path_factory.mktemp("cluster-panel")
    with regional_primary() as primary:
        url = primary.create_database(DATABASE)
        settings = Settings(environment="test", data_dir=data_dir, database_url=url)
        for args in (("migrate", "upgrade"), ("users", "create", ADMIN, "--role", "admin")):
            done = run_cli(settings, *args, stdin=PASSWORD.encode())
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        primary.psql("SELECT pg_switch_wal()")  # a segment archived before the panel looks
        with regional_replica(primary, slot="cluster_panel") as replica:
            replica.wait_until_caught_up()
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("HOTELREVIEWS_")}
            env.update(
                PYTHONPATH=str(ROOT / "src"),
                HOTELREVIEWS_ENVIRONMENT="test",
                HOTELREVIEWS_DATA_DIR=str(data_dir),
                HOTELREVIEWS_REGION=REPLICA_REGION,
                HOTELREVIEWS_DATABASE_URL=url,
                HOTELREVIEWS_DATABASE_REPLICA_URLS=json.dumps([replica.url(DATABASE)]),
                HOTELREVIEWS_REPLICA_MAX_LAG_SECONDS=str(LAG_BUDGET_SECONDS),
                HOTELREVIEWS_REPLICA_CHECK_INTERVAL_SECONDS="0.2",
            )
            with (data_dir / "serve.log").open("wb") as log:
                process = start_serve(port=port, env=env, log=log)
                try:
                    base = f"http://127.0.0.1:{port}"
                    until_ready(base, process)
                    yield Replicated(base, primary, replica)
                finally:
                    stop_process(process)


def _open_panel(watched: Watched, base: str) -> Any:
    open_page(watched, f"{base}/login?next=/operations%3Fview%3Dcluster")
    sign_in(watched, user=ADMIN, password=PASSWORD)
    watched.page.locator("#dependencies > li").first.wait_for()
    return watched.page


def _card(page: Any, name: str) -> Any:
    dependencies = page.get_by_role("list", name="Dependencies")
    return dependencies.locator(":scope > li").filter(has=page.get_by_role("heading", name=name))


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_cluster_panel_has_the_policy_no_serious_axe_finding_and_screenshots(
    replicated: Replicated,
    browser: Any,
    axe_source: str,
    screenshots: Path,
    label: str,
    viewport: dict,
) -> None:
    with axe_ready_page(browser, viewport=viewport, axe_source=axe_source) as page:
        watched = Watched(page)
        _open_panel(watched, replicated.base)
        response = open_page(watched, replicated.base + CLUSTER)  # the page itself, checked
        watched.page.locator("#dependencies > li").first.wait_for()
        check_page(
            watched,
            response,
            name="operations-cluster-replicated",
            label=label,
            viewport=viewport,
            screenshots=screenshots,
        )


def test_the_panel_lists_the_replica_with_its_lag_and_follows_it_degraded_then_down(
    replicated: Replicated, watched: Watched, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    page = _open_panel(watched, replicated.base)
    figures = page.locator("#cluster-figures")
    expect(figures).to_contain_text(REPLICA_REGION)
    expect(figures).to_contain_text("a replica region: the primary is elsewhere")
    replica = _card(page, "replica-1")
    expect(replica).to_contain_text("OK")
    expect(replica).to_contain_text(f"region {REPLICA_REGION}")
    expect(replica).to_contain_text("reads go here")
    expect(replica).to_contain_text("Replication lag: ")
    expect(replica).to_contain_text(f"within the {LAG_BUDGET_SECONDS} s budget")
    expect(_card(page, "primary")).to_contain_text(f"region {PRIMARY_REGION}")
    recovery = page.locator("#recovery")
    expect(recovery).to_contain_text("Timeline")
    standbys = page.get_by_role("list", name="Standbys the primary streams to")
    expect(standbys).to_contain_text(f"{REPLICA_REGION} streaming")
    expect(recovery).to_contain_text("last archived ", timeout=CHANGE_MS)  # the segment switched
    expect(page.locator("#status")).to_have_text("Cluster ok.", timeout=CHANGE_MS)

    replicated.replica.pause_replay()
    try:
        # WAL the replica receives and does not replay: its lag grows past the budget.
        replicated.primary.psql(
            "CREATE TABLE panel_lag (n int); DROP TABLE panel_lag", dbname=DATABASE
        )
        expect(replica).to_contain_text(
            f"over the {LAG_BUDGET_SECONDS} s budget", timeout=CHANGE_MS
        )
        expect(replica).to_contain_text("Degraded")
        expect(page.locator("#status")).to_contain_text("replica-1 degraded")

        replicated.replica.stop_keeping_data()
        try:
            expect(replica).to_contain_text("Down", timeout=CHANGE_MS)
            expect(replica).to_contain_text("Replication lag: unknown")
            expect(recovery).to_contain_text(
                "The primary streams to no standby.", timeout=CHANGE_MS
            )
            expect(recovery).to_contain_text("nothing to fail over to")
            expect(page.locator("#status")).to_have_text(
                "Cluster degraded: replica-1 down, disaster recovery degraded."
            )
            watched.page.screenshot(
                path=str(screenshots / "operations-cluster-replica-down-desktop.png"),
                full_page=True,
            )
        finally:
            replicated.replica.start_again()
    finally:
        replicated.replica.resume_replay()
    assert watched.console_errors == []
