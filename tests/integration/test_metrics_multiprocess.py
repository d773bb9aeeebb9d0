"""Multiprocess exposition with real processes writing to one PROMETHEUS_MULTIPROC_DIR:
counters add up over every process that ran, live gauges only over processes still running
(a worker killed without a word is forgotten at the next scrape)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hotelreviews.observability import exposition

# A process recording what a worker would: a cache hit count and its idle connections.
RECORD = textwrap.dedent(
    """
    import os, sys
    from hotelreviews.observability.metrics import CACHE_HITS, DB_POOL_CONNECTIONS
    hits, idle, stay = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "stay"
    CACHE_HITS.inc(hits)
    DB_POOL_CONNECTIONS.labels(target="primary", state="idle").set(idle)
    print("recorded", flush=True)
    if stay:
        sys.stdin.read()  # until the test closes our stdin
    os._exit(0)  # as a killed worker: nothing marks this process dead
    """
)


def record(directory: Path, hits: int, idle: int, *, stay: bool) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", RECORD, str(hits), str(idle), "stay" if stay else "exit"],
        env={**os.environ, exposition.MULTIPROC_DIR_VARIABLE: str(directory)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "recorded\n"
    return process


def scraped(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_counters_add_up_over_processes_and_dead_ones_leave_the_live_gauges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = record(tmp_path, hits=1, idle=2, stay=False)
    dead.wait(timeout=60)
    alive = record(tmp_path, hits=2, idle=3, stay=True)
    try:
        monkeypatch.setenv(exposition.MULTIPROC_DIR_VARIABLE, str(tmp_path))
        found = scraped(exposition.latest().decode())
    finally:
        assert alive.stdin is not None
        alive.stdin.close()
        alive.wait(timeout=60)

    assert found[("hotelreviews_cache_lookups_total", (("outcome", "hit"),))] == 3
    idle = ("hotelreviews_db_pool_connections", (("state", "idle"), ("target", "primary")))
    assert found[idle] == 3  # the dead process's 2 no longer counted
    assert not list(tmp_path.glob(f"gauge_live*_{dead.pid}.db"))
    assert list(tmp_path.glob(f"counter_{dead.pid}.db"))  # its counts stay counted
