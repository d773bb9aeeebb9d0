"""`cluster up`: plan the cluster once, then start whatever of it is not running, in the
order each part needs the ones before: TLS, the latency relays (`--latency`: replicas stream
through them), PostgreSQL (created the first time), demo data, Redis, API servers and
workers, regional balancers, the global entry. Then every API, every balancer and the global
entry must answer `/readyz` — the latter two over TLS verified with the cluster CA — before
`up` reports success.

Running it again is safe: an existing layout (`<data_dir>/cluster/cluster.json`) is reused
and only what is stopped is started. When a step fails, everything is stopped again (no
half-started cluster is left running) and the error names the part, with its log's tail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hotelreviews.cluster import apps, front, relay, watcher
from hotelreviews.cluster.daemons import accepts, wait_for_http, wait_for_tcp
from hotelreviews.cluster.databases import DATABASE, create_databases, start_databases
from hotelreviews.cluster.down import all_daemons, cluster_down
from hotelreviews.cluster.haproxy import Endpoint, HAProxy
from hotelreviews.cluster.layout import PRIMARY_REGION, ClusterLayout, plan
from hotelreviews.cluster.redis import start_redis

DEFAULT_GLOBAL_PORT = 8443
DEFAULT_DEMO_REVIEWS = 100_000
# Generous: two cores shared with everything else; a process that does fail says so sooner
# (the waits end as soon as it exits).
READY_TIMEOUT = 180.0
# Steps recorded in layout.extra, so that a later `up` knows what is done.
DATABASES_CREATED = "databases_created"
DEMO_LOADED = "demo_loaded"


class ClusterUpError(RuntimeError):
    """`cluster up` failed; the message says which part and how to look further."""


@dataclass
class UpResult:
    layout: ClusterLayout
    created: bool  # planned now (False: an existing layout)
    already_running: bool  # nothing needed starting


def cluster_root(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / "cluster"


def cluster_up(
    data_dir: Path,
    *,
    api_per_region: int = 2,
    global_port: int | None = None,
    demo: bool = True,
    demo_reviews: int = DEFAULT_DEMO_REVIEWS,
    latency: bool = False,
    auto_failover: bool = True,
    say: Callable[[str], None] = lambda _: None,
) -> UpResult:
    """Bring the cluster in `data_dir` up (planning it the first time); stop it all again and
    raise ClusterUpError when a part does not come up."""
    root = cluster_root(data_dir)
    created = not ClusterLayout.exists(root)
    if created:
        port = global_port or DEFAULT_GLOBAL_PORT
        _require_free(port)
        layout = plan(root, api_per_region=api_per_region, global_port=port, latency=latency)
        layout.extra[watcher.AUTO_FAILOVER] = auto_failover
        layout.save()
        modelled = " with modelled inter-region latency" if latency else ""
        say(f"planned a new cluster in {root}{modelled}")
    else:
        layout = ClusterLayout.load(root)
        say(f"using the cluster in {root} (options for a new one are ignored)")
        if is_running(layout):
            return UpResult(layout, created=False, already_running=True)
    try:
        _bring_up(layout, demo=demo, demo_reviews=demo_reviews, say=say)
    except BaseException as error:
        say("failed: stopping what was started")
        cluster_down(layout)
        if isinstance(error, Exception) and not isinstance(error, ClusterUpError):
            raise ClusterUpError(str(error)) from error
        raise
    return UpResult(layout, created=created, already_running=False)


def is_running(layout: ClusterLayout) -> bool:
    """Every daemon and every PostgreSQL server of the layout is running."""
    return all(daemon.is_running() for daemon in all_daemons(layout)) and all(
        node.is_running() for node in layout.nodes().values()
    )


def _bring_up(
    layout: ClusterLayout, *, demo: bool, demo_reviews: int, say: Callable[[str], None]
) -> None:
    ca, issued = front.ensure_certificates(layout)
    say(f"TLS: CA {ca.cert_path}" + (f" (issued: {', '.join(issued)})" if issued else ""))
    if relay.start_relays(layout, timeout=READY_TIMEOUT):
        say(
            f"relays: {len(layout.relays)} inter-region routes, each way delayed by half the "
            f"round trip ({relay.relay_daemon(layout).log_file})"
        )
    _databases(layout, say)
    if demo and not layout.extra.get(DEMO_LOADED):
        _load_demo(layout, demo_reviews, say)
    for region in layout.regions:
        instance = apps.redis_instance(layout, region)
        if start_redis(instance):
            say(f"redis ({region}) on {instance.bind}:{instance.port}")
    _start_apps(layout, say)
    for region in layout.regions:
        _apply_haproxy(
            front.balancer(layout, region),
            front.balancer_config(layout, region),
            front.balancer_endpoint(layout, region),
            say,
        )
    _apply_haproxy(
        front.global_entry(layout), front.global_config(layout), front.global_endpoint(layout), say
    )
    _wait_for_front(layout, say)
    if watcher.start_watcher(layout):
        log = watcher.watcher_daemon(layout).log_file
        say(f"automatic failover: `hotelreviews dr watch` ({log})")


def _databases(layout: ClusterLayout, say: Callable[[str], None]) -> None:
    if layout.extra.get(DATABASES_CREATED):
        nodes = layout.nodes()
        stopped = [region for region, node in nodes.items() if not node.is_running()]
        if stopped:
            say(f"PostgreSQL: starting {', '.join(stopped)}")
            start_databases(nodes)
        return
    # An earlier `up` failed while creating them: nothing in there is worth keeping.
    for node in layout.nodes().values():
        if node.root.exists():
            shutil.rmtree(node.root)
    shutil.rmtree(layout.archive_dir, ignore_errors=True)
    create_databases(layout, say=say)
    layout.extra[DATABASES_CREATED] = True
    layout.save()


def _load_demo(layout: ClusterLayout, reviews: int, say: Callable[[str], None]) -> None:
    """`hotelreviews demo --ingest` against the primary, its output in <root>/demo.log."""
    say(f"demo data: {reviews:,} reviews into the primary ({PRIMARY_REGION}); log in demo.log")
    log_path = layout.root / "demo.log"
    settings = {
        "HOTELREVIEWS_DATABASE_URL": layout.node(PRIMARY_REGION).url(DATABASE),
        "HOTELREVIEWS_DATA_DIR": str(layout.root / "demo-data"),
        # The cluster's worker applies review intelligence once it runs (its runner starts by
        # scoring every hotel); doing it here too would only hold `cluster up` up.
        "HOTELREVIEWS_INTELLIGENCE_ENABLED": "false",
    }
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")
    } | settings
    command = [sys.executable, "-m", "hotelreviews", "demo", "--ingest"]
    command += ["--out", str(layout.root / "demo"), "--reviews", str(reviews)]
    with open(log_path, "ab") as log:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            check=False,
        )
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise ClusterUpError(f"loading the demo data failed ({log_path}):\n{tail}")
    layout.extra[DEMO_LOADED] = True
    layout.save()


def _start_apps(layout: ClusterLayout, say: Callable[[str], None]) -> None:
    apps.inbox_dir(layout).mkdir(parents=True, exist_ok=True)
    apps.ensure_jwt_secret(layout)
    processes = apps.app_processes(layout)
    started = []
    for process in processes:
        if process.daemon.is_running():
            continue
        if accepts(process.address, process.port):
            raise ClusterUpError(
                f"cannot start {process.name}: something else listens on "
                f"{process.address}:{process.port}; stop it, or `cluster down --purge` and "
                f"`cluster up` again for new ports"
            )
        process.daemon.start(process.command, cwd=layout.root, env=process.environment())
        started.append(process)
    # Started all at once, then waited for: they start up side by side.
    for process in started:
        if process.readiness_url is not None:
            wait_for_http(process.readiness_url, READY_TIMEOUT, daemon=process.daemon)
        else:
            wait_for_tcp(process.address, process.port, READY_TIMEOUT, daemon=process.daemon)
        what = "" if process.kind == "api" else " (metrics)"
        say(f"{process.name} on {process.address}:{process.port}{what}")


def _apply_haproxy(
    instance: HAProxy, config: str, endpoint: Endpoint, say: Callable[[str], None]
) -> None:
    applied = instance.apply(config, listen=endpoint, timeout=READY_TIMEOUT)
    say(f"{instance.daemon.name} on {endpoint}: {applied.value}")


def _wait_for_front(layout: ClusterLayout, say: Callable[[str], None]) -> None:
    """Every balancer and the global entry answer /readyz over TLS verified with our CA."""
    context = front.client_tls(layout)
    for region in layout.regions:
        endpoint = front.balancer_endpoint(layout, region)
        wait_for_http(
            f"https://{endpoint}/readyz",
            READY_TIMEOUT,
            context,
            daemon=front.balancer(layout, region).daemon,
        )
    endpoint = front.global_endpoint(layout)
    wait_for_http(
        f"https://{endpoint}/readyz",
        READY_TIMEOUT,
        context,
        daemon=front.global_entry(layout).daemon,
    )
    # A balancer that was just started, or whose servers were down, takes them into rotation
    # after two passed health checks: until then its region's traffic goes elsewhere. A
    # drained region (`cluster drain`) stays in maintenance at the global entry.
    drained = front.drained_regions(layout)
    for region in layout.regions:
        _wait_for_state(front.balancer(layout, region), "api", None, "UP", f"{region}'s APIs")
        expected = "MAINT" if region in drained else "UP"
        _wait_for_state(
            front.global_entry(layout),
            f"region-{region}",
            region,
            expected,
            f"{region} at the global entry",
        )
    say(f"ready: https://{endpoint} (TLS verified with {front.ca_path(layout)})")


def _wait_for_state(
    instance: HAProxy, backend: str, server: str | None, expected: str, what: str
) -> None:
    """Until every server of `backend` (or only `server`) is in the `expected` state."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        states = instance.server_states(backend)
        if server is not None:
            states = {server: states.get(server, "missing")}
        if states and all(state == expected for state in states.values()):
            return
        if time.monotonic() >= deadline:
            shown = ", ".join(f"{name} {state}" for name, state in states.items())
            raise ClusterUpError(
                f"{what}: not all {expected} after {READY_TIMEOUT:g} s ({shown}); see "
                f"{instance.daemon.log_file} and the API logs in the region's apps/ directory"
            )
        time.sleep(0.2)


def _require_free(port: int) -> None:
    try:
        with socket.create_server(("127.0.0.1", port)):
            pass
    except OSError:
        raise ClusterUpError(
            f"port {port} (the global entry's) is in use: pass --port with a free one"
        ) from None
