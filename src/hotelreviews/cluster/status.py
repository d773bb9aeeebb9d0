"""`cluster status`: every part of the cluster as it is now, as plain data (JSON-ready).

Processes: pid and whether it runs. PostgreSQL: role, timeline, lag (cluster.pg_status).
APIs: their own /readyz and their balancer's view (stats socket). Redis: PING. Balancers and
the global entry: /readyz through TLS verified with the cluster CA, and the global entry's
view of each region. Latency relays (--latency): the process, and per relay to a PostgreSQL
server the time to a first answer through it and directly. The checks run side by side:
each waits a few seconds at most.
"""

from __future__ import annotations

import socket
import ssl
import struct
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hotelreviews.cluster import apps, front, relay, watcher
from hotelreviews.cluster.daemons import Daemon
from hotelreviews.cluster.haproxy import HAProxy
from hotelreviews.cluster.layout import ClusterLayout
from hotelreviews.cluster.pg_status import database_status
from hotelreviews.cluster.redis import ping

HTTP_TIMEOUT = 3.0


def cluster_status(layout: ClusterLayout) -> dict[str, Any]:
    """The status document; `ok` is False and `problems` says why when anything is down."""
    context = front.client_tls(layout)
    with ThreadPoolExecutor(max_workers=8) as pool:
        databases = pool.submit(_databases, layout)
        regions = {
            region: pool.submit(_region, layout, region, context) for region in layout.regions
        }
        entry = pool.submit(_global, layout, context)
        relays = pool.submit(_relays, layout)
        document: dict[str, Any] = {
            "root": str(layout.root),
            "ca_file": str(front.ca_path(layout)),
            "global": entry.result(),
            "regions": {region: future.result() for region, future in regions.items()},
            "databases": databases.result(),
            "relays": relays.result(),
            "watcher": _watcher(layout),
        }
    document["global"]["drained"] = sorted(front.drained_regions(layout))
    document["problems"] = problems(document)
    document["ok"] = not document["problems"]
    return document


def problems(document: dict[str, Any]) -> list[str]:
    """What is down or unhealthy in a status document, one line each."""
    found = []
    entry = document["global"]
    if not entry["running"]:
        found.append("global entry: not running")
    elif not entry["ready"]:
        found.append(f"global entry: not ready ({entry['detail']})")
    for region, part in document["regions"].items():
        for process in [*part["apis"], part["worker"], part["balancer"], part["redis"]]:
            if not process["running"]:
                found.append(f"{region}: {process['name']} not running")
            elif process.get("ready") is False:
                found.append(f"{region}: {process['name']} not ready ({process['detail']})")
        drained = region in entry.get("drained", ())
        if drained and entry["regions"].get(region) != "MAINT":
            found.append(
                f"{region}: drained, but the global entry sees it {entry['regions'].get(region)}"
            )
        elif not drained and entry["regions"].get(region) not in (None, "UP"):
            found.append(f"{region}: the global entry sees it {entry['regions'][region]}")
    watch = document.get("watcher")
    if watch is not None and not watch["running"]:
        found.append("dr watch (automatic failover): not running")
    relays = document.get("relays")
    if relays is not None and not relays["running"]:
        found.append("relays: not running (no traffic between regions)")
    primaries = [node for node in document["databases"] if node["role"] == "primary"]
    if len(primaries) != 1:
        found.append(f"PostgreSQL: {len(primaries)} primaries answer (expected 1)")
    for node in document["databases"]:
        if node["role"] == "down":
            found.append(f"PostgreSQL {node['region']}: down ({node.get('error') or 'stopped'})")
        elif node["role"] == "replica" and node.get("receiver") != "streaming":
            found.append(f"PostgreSQL {node['region']}: replica {node.get('receiver')}")
    return found


def _databases(layout: ClusterLayout) -> list[dict[str, Any]]:
    nodes = layout.nodes()
    statuses = [status.as_dict() for status in database_status(nodes)]
    for status in statuses:
        status["pid"] = nodes[status["region"]].postmaster_pid()
    return statuses


def _region(layout: ClusterLayout, region: str, context: ssl.SSLContext) -> dict[str, Any]:
    balancer = front.balancer(layout, region)
    balancer_view = _server_states(balancer, "api")
    api_list = []
    for process in apps.api_processes(layout, region):
        ready, detail = _http_ready(process.readiness_url or "", None)
        number = process.name.rsplit("-", 1)[1]
        api_list.append(
            _process(process.daemon)
            | {
                "url": f"http://{process.address}:{process.port}",
                "ready": ready,
                "detail": detail,
                "balancer_view": balancer_view.get(f"api-{number}"),
            }
        )
    worker = apps.worker_process(layout, region)
    redis = apps.redis_instance(layout, region)
    endpoint = front.balancer_endpoint(layout, region)
    balancer_ready, balancer_detail = _http_ready(f"https://{endpoint}/readyz", context)
    return {
        "apis": api_list,
        "worker": _process(worker.daemon) | {"metrics_port": worker.port},
        "redis": _process(redis.daemon)
        | {"url": redis.url, "ready": ping(redis.bind, redis.port), "detail": "PING"},
        "balancer": _process(balancer.daemon)
        | {"url": f"https://{endpoint}", "ready": balancer_ready, "detail": balancer_detail},
    }


def _global(layout: ClusterLayout, context: ssl.SSLContext) -> dict[str, Any]:
    entry = front.global_entry(layout)
    endpoint = front.global_endpoint(layout)
    ready, detail = _http_ready(f"https://{endpoint}/readyz", context)
    # Each region's own balancer, as the first server of that region's backend.
    regions = {
        region: _server_states(entry, f"region-{region}").get(region) for region in layout.regions
    }
    return _process(entry.daemon) | {
        "url": f"https://{endpoint}",
        "ready": ready,
        "detail": detail,
        "default_region": layout.default_region,
        "regions": regions,
    }


def _relays(layout: ClusterLayout) -> dict[str, Any] | None:
    """The relay daemon (None without --latency), and for each relay to a PostgreSQL server
    the time a new connection takes to its first answer, through the relay and directly."""
    if not layout.relays:
        return None
    routes = [route for route in relay.relay_routes(layout) if route.key.endswith(":postgres")]
    with ThreadPoolExecutor(max_workers=len(routes)) as pool:
        through = pool.map(lambda r: _first_answer_ms(r.listen_host, r.listen_port), routes)
        direct = pool.map(lambda r: _first_answer_ms(r.target_host, r.target_port), routes)
        round_trips = [
            {
                "route": route.key,
                "modelled_ms": route.round_trip_ms,
                "measured_ms": measured,
                "direct_ms": baseline,
            }
            for route, measured, baseline in zip(routes, through, direct, strict=True)
        ]
    return _process(relay.relay_daemon(layout)) | {
        "routes": len(layout.relays),
        "round_trips": round_trips,
    }


# PostgreSQL's SSLRequest: a server answers it with one byte at once, before any startup
# packet, and a client leaving then is not logged.
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def _first_answer_ms(host: str, port: int) -> float | None:
    """Milliseconds from connecting to PostgreSQL's answer to an SSLRequest (None: none)."""
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=HTTP_TIMEOUT) as connection:
            connection.sendall(_SSL_REQUEST)
            if not connection.recv(1):
                return None
    except OSError:
        return None
    return round((time.monotonic() - started) * 1000, 1)


def _watcher(layout: ClusterLayout) -> dict[str, Any] | None:
    """The automatic failover's process (None for a cluster created without it)."""
    if not watcher.enabled(layout):
        return None
    daemon = watcher.watcher_daemon(layout)
    return _process(daemon) | {"log": str(daemon.log_file)}


def _process(daemon: Daemon) -> dict[str, Any]:
    pid = daemon.pid
    return {"name": daemon.name, "pid": pid, "running": pid is not None}


def _server_states(instance: HAProxy, backend: str) -> dict[str, str]:
    try:
        return instance.server_states(backend)
    except OSError:
        return {}  # not running, or not answering: the process entry says which


def _http_ready(url: str, context: ssl.SSLContext | None) -> tuple[bool, str]:
    """Whether GET `url` answers 200, and a word about it (HTTP 503, refused, ...)."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT, context=context) as response:
            return response.status == 200, f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code}"
    except (OSError, ssl.SSLError) as error:
        return False, str(getattr(error, "reason", error))
