"""A real Prometheus scrapes `hotelreviews serve --workers 2`; what it stores matches the
traffic sent, summed over both workers, with route templates (never raw paths) as labels.

Everything runs as it would in production: the app as a subprocess on the embedded SQLite
database (seeded by `hotelreviews ingest`), Prometheus 2 from Debian scraping it every
second, the numbers read back through Prometheus' HTTP API.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict

from hotelreviews.core.settings import EMBEDDED_DATABASE_NAME
from tests.conftest import SAMPLES_DIR
from tests.support.pg_server import free_port
from tests.support.prometheus_server import PrometheusServer

HOTEL = "/api/v1/hotels/{hotel_id}"
HOTELS = "/api/v1/hotels"
DURATION_COUNT = "hotelreviews_http_request_duration_seconds_count"
DEADLINE_SECONDS = 120.0
# Sent per round, each request on a new connection so that both workers take some.
DETAIL_REQUESTS_PER_HOTEL = 5
LIST_REQUESTS = 3
UNKNOWN_REQUESTS = 4
SEED_FILE = "agoda_com_2025-03-16.jl"


@dataclass
class Server:
    base: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]

    def multiprocess_dir(self) -> Path:
        return self.data_dir / "run" / f"metrics-{self.process.pid}"


def _environment(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # serve makes its own
    env.update(
        HOTELREVIEWS_DATA_DIR=str(data_dir),
        HOTELREVIEWS_ENVIRONMENT="test",
        # The traffic below must never meet a 429.
        HOTELREVIEWS_RATE_LIMIT_DEFAULT="1000000/minute",
        HOTELREVIEWS_LOG_LEVEL="WARNING",
        # libuv (uvloop) accepts one connection per wake-up instead of draining the queue:
        # the workers then share the connections instead of the first awake taking them all.
        UV_TCP_SINGLE_ACCEPT="1",
    )
    return env


def _get(url: str) -> int:
    """GET on a fresh connection (urllib closes it after each request); the status."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("scraped")
    env = _environment(data_dir)
    seeded = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotelreviews",
            "ingest",
            str(SAMPLES_DIR / "agoda_com_2025-03-16.jl"),
        ],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr.decode()
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "hotelreviews", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    running = Server(f"http://127.0.0.1:{port}", port, data_dir, process)
    try:
        give_up = time.monotonic() + DEADLINE_SECONDS
        while _pids_with_files(running) < 2 or not _answers(running):
            assert process.poll() is None, (data_dir / "serve.log").read_text()
            assert time.monotonic() < give_up, "serve did not start both workers"
            time.sleep(0.1)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _answers(server: Server) -> bool:
    try:
        return _get(f"{server.base}/livez") == 200
    except OSError:
        return False


def _pids_with_files(server: Server) -> int:
    directory = server.multiprocess_dir()
    return len(list(directory.glob("histogram_*.db"))) if directory.exists() else 0


def _requests_served_by_each_worker(server: Server) -> dict[str, float]:
    """Requests to the API's routes (not /livez, not scrapes) each worker process has
    counted, from its own multiprocess file."""
    served = {}
    for path in server.multiprocess_dir().glob("histogram_*.db"):
        total = 0.0
        for key, value, _timestamp, _position in MmapedDict.read_all_values_from_file(str(path)):
            _metric, sample, labels, _help = json.loads(key)
            # A process's file holds each bucket's own count (the collector accumulates):
            # their sum is the process's request count.
            if sample == "hotelreviews_http_request_duration_seconds_bucket" and labels.get(
                "route"
            ) in (HOTEL, HOTELS, "unmatched"):
                total += value
        served[path.stem.removeprefix("histogram_")] = total
    return served


def _hotel_ids(data_dir: Path) -> list[int]:
    with sqlite3.connect(data_dir / EMBEDDED_DATABASE_NAME) as connection:
        rows = connection.execute("SELECT id FROM hotels ORDER BY id LIMIT 2").fetchall()
    assert len(rows) == 2
    return [row[0] for row in rows]


def _counts(prometheus: PrometheusServer) -> dict[tuple[str, str, str], float]:
    result = prometheus.query(
        f'sum by (route, method, status_class) ({DURATION_COUNT}{{job="hotelreviews"}})'
    )
    return {
        (r["metric"]["route"], r["metric"]["method"], r["metric"]["status_class"]): float(
            r["value"][1]
        )
        for r in result
    }


def test_prometheus_reads_per_route_counts_of_both_workers_with_templated_routes(
    server: Server,
) -> None:
    first, second = _hotel_ids(server.data_dir)
    unknown = f"/api/v1/no-such-thing/{uuid.uuid4().hex}"
    round_of_traffic = (
        [f"{HOTELS}/{first}"] * DETAIL_REQUESTS_PER_HOTEL
        + [f"{HOTELS}/{second}"] * DETAIL_REQUESTS_PER_HOTEL
        + [HOTELS] * LIST_REQUESTS
        + [unknown] * UNKNOWN_REQUESTS
    )
    with PrometheusServer(
        targets=[f"127.0.0.1:{server.port}"], labels={"region": "us-east-1"}
    ) as prometheus:
        rounds = 0
        # Rounds until both workers have served some of it (which one accepts a connection
        # is up to the kernel, and a worker still starting takes none); the expected counts
        # follow from the rounds sent.
        give_up = time.monotonic() + DEADLINE_SECONDS
        with ThreadPoolExecutor(max_workers=4) as pool:
            while rounds == 0 or min(_requests_served_by_each_worker(server).values()) == 0:
                assert time.monotonic() < give_up, _requests_served_by_each_worker(server)
                if rounds:
                    time.sleep(0.2)
                statuses = list(pool.map(lambda path: _get(server.base + path), round_of_traffic))
                expected_statuses = [200] * (2 * DETAIL_REQUESTS_PER_HOTEL + LIST_REQUESTS)
                assert statuses == expected_statuses + [404] * UNKNOWN_REQUESTS
                rounds += 1
        served = _requests_served_by_each_worker(server)
        assert len(served) == 2 and all(count > 0 for count in served.values()), served

        expected = {
            (HOTEL, "GET", "2xx"): 2 * DETAIL_REQUESTS_PER_HOTEL * rounds,
            (HOTELS, "GET", "2xx"): LIST_REQUESTS * rounds,
            ("unmatched", "GET", "4xx"): UNKNOWN_REQUESTS * rounds,
        }
        sent = sum(expected.values())

        # A request is counted as its response ends: wait for a scrape that has them all.
        give_up = time.monotonic() + DEADLINE_SECONDS
        while True:
            prometheus.wait_for_scrape(after=time.time())
            counts = _counts(prometheus)
            if sum(counts.get(key, 0) for key in expected) >= sent:
                break
            assert time.monotonic() < give_up, f"Prometheus never saw the traffic: {counts}"
        for key, count in expected.items():
            assert counts.get(key) == count, (key, counts)

        every_series = prometheus.query('{job="hotelreviews", __name__=~"hotelreviews_.+"}')
        values = {value for series in every_series for value in series["metric"].values()}
        assert HOTEL in values and "unmatched" in values
        leaked = [
            value
            for value in values
            if f"/{first}" in value or f"/{second}" in value or unknown in value
        ]
        assert leaked == [], "raw paths or ids in label values"

        build = prometheus.query('hotelreviews_build_info{job="hotelreviews"}')
        assert len(build) == 1 and build[0]["metric"]["region"] == "us-east-1"
        assert float(build[0]["value"][1]) == 1
