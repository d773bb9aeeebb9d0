"""A throwaway Prometheus server for tests: it scrapes the given targets every second.

Each :class:`PrometheusServer` runs Debian's ``/usr/bin/prometheus`` (installed by
``make test`` through scripts/ensure-system-packages.sh) on 127.0.0.1 and a free port, with
its own configuration and TSDB in a temporary directory. The server dies with the process
that started it (PR_SET_PDEATHSIG on Linux), and with the interpreter's exit otherwise.

Usage::

    with PrometheusServer(targets=["127.0.0.1:8000"], labels={"region": "us-east-1"}) as prom:
        prom.wait_for_scrape(after=time.time())
        prom.query('sum(hotelreviews_http_request_duration_seconds_count)')
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.pg_server import free_port
from tests.support.processes import die_with_parent, stop_process

HOST = "127.0.0.1"
BINARY = "/usr/bin/prometheus"
INSTALL_HINT = (
    "prometheus was not found: run scripts/ensure-system-packages.sh "
    "(or apt-get install prometheus)"
)
JOB = "hotelreviews"
_RFC3339 = re.compile(r"^(.*?)(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_live: set[PrometheusServer] = set()


class PrometheusError(RuntimeError):
    """The throwaway Prometheus could not be started, or its API answered an error."""


def scrape_config(
    targets: list[str], *, labels: dict[str, str], bearer_token: str | None = None
) -> str:
    """prometheus.yml scraping `targets` every second (JSON is valid YAML)."""
    job: dict[str, Any] = {
        "job_name": JOB,
        "scrape_interval": "1s",
        "scrape_timeout": "1s",
        "metrics_path": "/metrics",
        "static_configs": [{"targets": targets, "labels": labels}],
    }
    if bearer_token is not None:
        job["authorization"] = {"type": "Bearer", "credentials": bearer_token}
    config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"}}
    return json.dumps({**config, "scrape_configs": [job]}, indent=2)


class PrometheusServer:
    def __init__(
        self,
        *,
        targets: list[str],
        labels: dict[str, str] | None = None,
        bearer_token: str | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.targets = targets
        self.labels = labels or {}
        self.bearer_token = bearer_token
        self.port: int | None = None
        self.directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._startup_timeout = startup_timeout

    @property
    def url(self) -> str:
        assert self.port is not None, "start the server first"
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> str:
        path = self.directory / "prometheus.log" if self.directory else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def start(self) -> PrometheusServer:
        if not Path(BINARY).exists():
            raise PrometheusError(INSTALL_HINT)
        self.directory = Path(tempfile.mkdtemp(prefix="hotelreviews-prometheus-"))
        config = self.directory / "prometheus.yml"
        config.write_text(
            scrape_config(self.targets, labels=self.labels, bearer_token=self.bearer_token)
        )
        for _attempt in range(5):
            self.port = free_port(HOST)
            if self._launch(config):
                _live.add(self)
                return self
        raise PrometheusError(f"prometheus did not start:\n{self.log[-3000:]}")

    def stop(self) -> None:
        stop_process(self._process, grace_seconds=20)
        self._process = None
        _live.discard(self)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- the HTTP API ------------------------------------------------------------------

    def api(self, path: str, **parameters: str) -> Any:
        """GET /api/v1/<path>; the `data` of a successful answer."""
        query = urllib.parse.urlencode(parameters)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=30) as answer:
            body = json.load(answer)
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {parameters}: {body}")
        return body["data"]

    def query(self, expression: str) -> list[dict[str, Any]]:
        """An instant query's result vector: [{"metric": {labels}, "value": [t, "v"]}, …]."""
        data = self.api("query", query=expression)
        assert data["resultType"] == "vector", data
        result: list[dict[str, Any]] = data["result"]
        return result

    def targets_health(self) -> list[dict[str, Any]]:
        targets: list[dict[str, Any]] = self.api("targets")["activeTargets"]
        return targets

    def wait_for_scrape(self, *, after: float, deadline: float = 120.0) -> None:
        """Wait until every target has been scraped successfully, with a scrape that started
        after the Unix time `after` (so it saw everything done before then)."""
        give_up = time.monotonic() + deadline
        while time.monotonic() < give_up:
            targets = self.targets_health()
            if targets and all(
                target["health"] == "up" and _unix_time(target["lastScrape"]) > after
                for target in targets
            ):
                return
            time.sleep(0.2)
        raise AssertionError(
            f"no successful scrape after {after} within {deadline:.0f} s: "
            f"{self.targets_health()}\n{self.log[-2000:]}"
        )

    # ---- internals ---------------------------------------------------------------------

    def _launch(self, config: Path) -> bool:
        assert self.directory is not None and self.port is not None
        command = [
            BINARY,
            f"--config.file={config}",
            f"--storage.tsdb.path={self.directory / 'data'}",
            f"--web.listen-address={HOST}:{self.port}",
            "--log.level=warn",
        ]
        with (self.directory / "prometheus.log").open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.directory,
                preexec_fn=die_with_parent,
            )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False  # most likely the port was taken meanwhile
            if self._ready():
                return True
            time.sleep(0.1)
        self._process.kill()
        self._process.wait(timeout=10)
        self._process = None
        return False

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


def _unix_time(rfc3339: str) -> float:
    """Prometheus' lastScrape ("2026-11-26T03:30:01.123456789Z", nanoseconds and all) as a
    Unix time."""
    match = _RFC3339.match(rfc3339)
    if match is None:
        raise PrometheusError(f"unexpected time {rfc3339!r}")
    whole, fraction, zone = match.groups()
    moment = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone)).timestamp()
    return moment + (float(fraction) if fraction else 0.0)


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.stop()
