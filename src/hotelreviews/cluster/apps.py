"""The platform's own processes in each region — API servers and one ingestion worker — and
each region's Redis, derived from the cluster layout.

Every process gets its whole configuration from here, as HOTELREVIEWS_* variables: none
is inherited from the shell running `cluster up` (a laptop's settings must not leak into the
cluster), other variables are (PATH, OTEL_*, ...). Processes run in production mode: JSON
logs and a token signing secret of the cluster's own, generated once into
`<root>/secrets/jwt-secret` and shared by every region (a token issued in one region is
accepted by the others, which take over its traffic in a failover).

Directories: `<root>/<region>/apps/` (pid files, logs; `data/`, the processes' data dir),
`<root>/<region>/redis/`, `<root>/inbox/` (the one drop folder every worker polls).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from hotelreviews.cluster import front
from hotelreviews.cluster.daemons import Daemon
from hotelreviews.cluster.layout import ClusterLayout
from hotelreviews.cluster.redis import RedisInstance
from hotelreviews.security.signing import new_hs256_secret

# The bucket the DR drill names its sources in (dr/drill/load.py): the apps' source policy
# allows it, or the API would refuse the drill's writes.
DRILL_SOURCES_BUCKET = "hotelreviews-drill"
# A file a process was not configured with must not be read either.
_NOT_INHERITED_PREFIXES = ("HOTELREVIEWS_", "PROMETHEUS_MULTIPROC_DIR")


@dataclass(frozen=True)
class AppProcess:
    """One API server or worker: its name (also its PostgreSQL application_name), how to
    run it, and where it reports."""

    name: str
    region: str
    kind: str  # "api" or "worker"
    daemon: Daemon
    command: list[str]
    settings: dict[str, str]  # HOTELREVIEWS_* variables
    address: str
    port: int  # the API's port; the worker's metrics port

    @property
    def readiness_url(self) -> str | None:
        return f"http://{self.address}:{self.port}/readyz" if self.kind == "api" else None

    def environment(self) -> dict[str, str]:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(_NOT_INHERITED_PREFIXES)
        }
        return inherited | self.settings


def redis_instance(layout: ClusterLayout, region: str) -> RedisInstance:
    spec = layout.regions[region]
    return RedisInstance(region, layout.region_dir(region) / "redis", spec.redis_port, spec.address)


def inbox_dir(layout: ClusterLayout) -> Path:
    return layout.root / "inbox"


def _inbox_sources(layout: ClusterLayout) -> dict[str, str]:
    """The one inbox every region's workers poll (and the API servers accept files from)."""
    return {"HOTELREVIEWS_WORKER_SOURCES": json.dumps([str(inbox_dir(layout))])}


def jwt_secret_path(layout: ClusterLayout) -> Path:
    return layout.root / "secrets" / "jwt-secret"


def ensure_jwt_secret(layout: ClusterLayout) -> Path:
    """The cluster's token signing secret, generated once (0600 in a 0700 directory)."""
    path = jwt_secret_path(layout)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(new_hs256_secret() + "\n")
        os.replace(temporary, path)
    return path


def app_processes(layout: ClusterLayout) -> list[AppProcess]:
    """Every API server, then every worker, region by region."""
    apis = [process for region in layout.regions for process in api_processes(layout, region)]
    return apis + [worker_process(layout, region) for region in layout.regions]


def api_processes(layout: ClusterLayout, region: str) -> list[AppProcess]:
    spec = layout.regions[region]
    processes = []
    for number, port in enumerate(spec.api_ports, 1):
        name = f"api-{region}-{number}"
        command = [sys.executable, "-m", "hotelreviews", "serve"]
        command += ["--host", spec.address, "--port", str(port)]
        # The API accepts queued local files only under the folders the workers poll, so it
        # is told the same inbox (POST /api/v1/ingestions with a path there is then queued).
        settings = _settings(layout, region, name) | _inbox_sources(layout)
        processes.append(_process(layout, region, name, "api", command, settings, port))
    return processes


def worker_process(layout: ClusterLayout, region: str) -> AppProcess:
    spec = layout.regions[region]
    name = f"worker-{region}"
    settings = (
        _settings(layout, region, name)
        | _inbox_sources(layout)
        | {"HOTELREVIEWS_WORKER_METRICS_PORT": str(spec.worker_metrics_port)}
    )
    command = [sys.executable, "-m", "hotelreviews", "worker"]
    return _process(layout, region, name, "worker", command, settings, spec.worker_metrics_port)


def _process(
    layout: ClusterLayout,
    region: str,
    name: str,
    kind: str,
    command: list[str],
    settings: dict[str, str],
    port: int,
) -> AppProcess:
    apps_dir = layout.region_dir(region) / "apps"
    daemon = Daemon(name, apps_dir / f"{name}.pid.json", apps_dir / f"{name}.log")
    address = layout.regions[region].address
    return AppProcess(name, region, kind, daemon, command, settings, address, port)


def _settings(layout: ClusterLayout, region: str, name: str) -> dict[str, str]:
    # The balancer connects from the region's address, the global entry from its own: both
    # are proxies whose X-Forwarded-For the app believes.
    proxies = sorted({layout.regions[region].address, layout.global_address})
    return {
        "HOTELREVIEWS_ENVIRONMENT": "production",
        "HOTELREVIEWS_REGION": region,
        "HOTELREVIEWS_APPLICATION_NAME": name,
        "HOTELREVIEWS_DATA_DIR": str(layout.region_dir(region) / "apps" / "data"),
        "HOTELREVIEWS_DATABASE_URL": layout.database_url(region),
        "HOTELREVIEWS_DATABASE_REPLICA_URLS": json.dumps(layout.replica_urls(region)),
        "HOTELREVIEWS_REDIS_URL": redis_instance(layout, region).url,
        "HOTELREVIEWS_TRUSTED_PROXIES": json.dumps(proxies),
        # HAProxy passes the client's Host on; its own health checks send none (HTTP/1.0).
        "HOTELREVIEWS_ALLOWED_HOSTS": json.dumps(front.host_names(layout)),
        "HOTELREVIEWS_JWT_SECRET_FILE": str(jwt_secret_path(layout)),
        "HOTELREVIEWS_SOURCE_ALLOWED_S3": DRILL_SOURCES_BUCKET,
    }
