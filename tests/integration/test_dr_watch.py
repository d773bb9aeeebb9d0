"""Automatic failover (hotelreviews.dr.watch) on the cluster's three real PostgreSQL servers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from hotelreviews.cluster.layout import ClusterLayout
from hotelreviews.dr.failover import Failover
from hotelreviews.dr.lock import dr_lock
from hotelreviews.dr.topology import DrError, roles
from hotelreviews.dr.watch import WatchPolicy, watch
from tests.conftest import BACKENDS
from tests.support.pg_cluster import three_region_databases

pytestmark = pytest.mark.skipif(
    "postgresql" not in BACKENDS, reason="disaster recovery needs PostgreSQL"
)
DEADLINE = 60.0  # only how long a test waits before failing
POLICY = WatchPolicy(after_seconds=1.0, interval_seconds=0.1)


@pytest.fixture
def cluster() -> Iterator[ClusterLayout]:
    with three_region_databases() as layout:
        yield layout


class Watcher:
    """`watch` in a thread, as `hotelreviews dr watch` runs it."""

    def __init__(self, layout: ClusterLayout) -> None:
        self.stop = threading.Event()
        self.said: list[str] = []
        self.done: list[Failover] = []
        self._thread = threading.Thread(target=self._run, args=(layout,), daemon=True)
        self._thread.start()

    def _run(self, layout: ClusterLayout) -> None:
        self.done = watch(
            layout.nodes,
            lock=lambda: dr_lock(layout.root, wait=False),
            policy=POLICY,
            stop=self.stop,
            say=self.said.append,
        )

    def finish(self) -> list[Failover]:
        self.stop.set()
        self._thread.join(DEADLINE)
        assert not self._thread.is_alive()
        return self.done


def primary_of(layout: ClusterLayout) -> str | None:
    found = [region for region, role in roles(layout.nodes()).items() if role == "primary"]
    return found[0] if len(found) == 1 else None


def eventually_a_primary_other_than(layout: ClusterLayout, old: str) -> str:
    deadline = time.monotonic() + DEADLINE
    while (primary := primary_of(layout)) in (None, old):
        assert time.monotonic() < deadline, "no new primary"
        time.sleep(0.1)
    assert primary is not None
    return primary


def test_the_watcher_fails_over_once_no_primary_has_answered_for_long_enough(
    cluster: ClusterLayout,
) -> None:
    watcher = Watcher(cluster)
    try:
        time.sleep(3 * POLICY.interval_seconds)  # a few rounds with the primary there
        cluster.node("us-east-1").kill()
        new = eventually_a_primary_other_than(cluster, "us-east-1")
    finally:
        done = watcher.finish()
    assert [result.new_primary for result in done] == [new]
    assert done[0].fenced == ["us-east-1"] and cluster.node("us-east-1").is_fenced()
    assert any("no primary answers" in line for line in watcher.said)


def test_the_watcher_never_acts_while_another_operation_holds_the_lock(
    cluster: ClusterLayout,
) -> None:
    watcher = Watcher(cluster)
    try:
        with dr_lock(cluster.root):  # e.g. a switchover that stopped the primary on purpose
            taken = pytest.raises(DrError, match="another disaster-recovery operation")
            with taken, dr_lock(cluster.root, wait=False):
                pass
            cluster.node("us-east-1").kill()
            time.sleep(5 * POLICY.after_seconds)
            assert primary_of(cluster) is None  # nobody failed over
        # Released: the watcher counts from scratch, then acts.
        eventually_a_primary_other_than(cluster, "us-east-1")
    finally:
        done = watcher.finish()
    assert len(done) == 1
