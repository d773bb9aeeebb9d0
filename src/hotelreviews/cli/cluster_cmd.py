"""`hotelreviews cluster up|status|down`: three regions on this machine (hotelreviews.cluster).

The cluster lives in `<data dir>/cluster` (HOTELREVIEWS_DATA_DIR, default ./var); every
command finds it there through cluster.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

cluster_app = typer.Typer(no_args_is_help=True)

# Lines are not wrapped for a pipe or a log (the curl command must stay one line).
_WIDTH = None if sys.stdout.isatty() else 200
_console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
_errors = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


def _say(message: str) -> None:
    _console.print(f"[bold cyan]==>[/] {message}")


def _data_dir() -> Path:
    from hotelreviews.core.settings import get_settings

    return get_settings().data_dir


@cluster_app.command(
    help="Start the cluster: plan it the first time (ports, directories), then start what is "
    "not running — PostgreSQL (primary in us-east-1, replicas in eu-west-1 and "
    "ap-southeast-1), Redis, APIs, workers and HAProxy per region, the global TLS entry."
)
def up(
    api_per_region: Annotated[
        int,
        typer.Option(min=1, max=16, help="API server processes per region (new cluster), 1 to 16."),
    ] = 2,
    port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="The global entry's port (new cluster), 1 to 65535.",
            show_default="8443",
        ),
    ] = None,
    demo: Annotated[
        bool, typer.Option(help="Load the demo data set into a new cluster (as `make run` does).")
    ] = True,
    demo_reviews: Annotated[
        int, typer.Option(min=1, help="How many demo reviews to generate, at least 1.")
    ] = 100_000,
    latency: Annotated[
        bool,
        typer.Option(
            "--latency",
            help="Model the round trips between regions (new cluster): traffic from one region "
            "to another's PostgreSQL or balancer goes through relays that delay it "
            "(us↔eu 70 ms, us↔ap 220 ms, eu↔ap 160 ms).",
        ),
    ] = False,
    auto_failover: Annotated[
        bool,
        typer.Option(
            "--auto-failover/--no-auto-failover",
            help="Run `hotelreviews dr watch` (new cluster): fail over on its own after 10 s "
            "without a primary.",
        ),
    ] = True,
) -> None:
    from hotelreviews.cluster.daemons import DaemonError
    from hotelreviews.cluster.layout import LayoutError
    from hotelreviews.cluster.pg_tools import PostgresError
    from hotelreviews.cluster.status import cluster_status
    from hotelreviews.cluster.tls import ClusterTLSError
    from hotelreviews.cluster.up import ClusterUpError, cluster_up

    try:
        result = cluster_up(
            _data_dir(),
            api_per_region=api_per_region,
            global_port=port,
            demo=demo,
            demo_reviews=demo_reviews,
            latency=latency,
            auto_failover=auto_failover,
            say=_say,
        )
    except (ClusterUpError, LayoutError, PostgresError, DaemonError, ClusterTLSError) as error:
        _errors.print(f"[bold red]error:[/] {error}")
        _errors.print("Nothing is left running. Logs stay in the cluster directory.")
        raise typer.Exit(code=1) from None
    if result.already_running:
        _console.print("The cluster is already running.")
        _print_status(cluster_status(result.layout))
        return
    _print_summary(result.layout)


@cluster_app.command(
    help="Show every part of the cluster: processes, PostgreSQL roles and lag, the balancers' "
    "view of each API, Redis, the global entry. Exit code 1 when something is down."
)
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    from hotelreviews.cluster.status import cluster_status

    document = cluster_status(_load_layout())
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        _print_status(document)
    if not document["ok"]:
        raise typer.Exit(code=1)


@cluster_app.command(
    help="Stop the cluster (APIs, workers, balancers, Redis, PostgreSQL) and check that no "
    "process or port of it is left. Data stays unless --purge."
)
def down(
    purge: Annotated[
        bool, typer.Option("--purge", help="Then delete the cluster directory (all its data).")
    ] = False,
) -> None:
    import shutil

    from hotelreviews.cluster.down import cluster_down
    from hotelreviews.cluster.layout import ClusterLayout
    from hotelreviews.cluster.up import cluster_root

    root = cluster_root(_data_dir())
    if not ClusterLayout.exists(root):
        _console.print(f"No cluster in {root}: nothing to stop.")
        if purge and root.exists():
            shutil.rmtree(root)
            _say(f"deleted {root}")
        return
    report = cluster_down(ClusterLayout.load(root), purge=purge, say=_say)
    if not report.clean:
        for problem in report.problems:
            _errors.print(f"[bold red]error:[/] {problem}")
        raise typer.Exit(code=1)
    _console.print("The cluster is down: no process of it is running, none of its ports open.")


@cluster_app.command(
    help="Take REGION out of the global entry: its clients are served by the nearest other "
    "region and no region's traffic fails over to it. It keeps running (kept in cluster.json)."
)
def drain(
    region: Annotated[str, typer.Argument(help="us-east-1, eu-west-1 or ap-southeast-1.")],
) -> None:
    from hotelreviews.cluster.traffic import drain as run

    _apply_traffic_change(run, region, f"{region} drained: its traffic goes to the nearest region")


@cluster_app.command(help="Put a drained REGION back into the global entry.")
def undrain(
    region: Annotated[str, typer.Argument(help="us-east-1, eu-west-1 or ap-southeast-1.")],
) -> None:
    from hotelreviews.cluster.traffic import undrain as run

    _apply_traffic_change(run, region, f"{region} back in the global entry")


def _apply_traffic_change(change: Any, region: str, done: str) -> None:
    from hotelreviews.cluster.daemons import DaemonError
    from hotelreviews.cluster.layout import LayoutError

    try:
        applied = change(_load_layout(), region)
    except (LayoutError, DaemonError) as error:
        _errors.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(code=1) from None
    if applied is None:
        done += " (the global entry is not running: it applies when `cluster up` starts it)"
    _say(done)


def _load_layout() -> Any:
    from hotelreviews.cluster.layout import ClusterLayout, LayoutError
    from hotelreviews.cluster.up import cluster_root

    try:
        return ClusterLayout.load(cluster_root(_data_dir()))
    except LayoutError as error:
        _errors.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(code=2) from None


def _print_summary(layout: Any) -> None:
    from hotelreviews.cluster import front

    entry = front.global_endpoint(layout)
    ca = front.ca_path(layout)
    _console.print(f"\n[bold green]The cluster is up[/] in {layout.root}")
    _console.print(f"  global entry   https://{entry}  (no X-Region: {layout.default_region})")
    for region, spec in layout.regions.items():
        apis = ", ".join(f"{spec.address}:{port}" for port in spec.api_ports)
        _console.print(
            f"  {region:<14} balancer https://{front.balancer_endpoint(layout, region)} · "
            f"APIs {apis} · PostgreSQL {spec.address}:{spec.postgres_port} · "
            f"Redis {spec.address}:{spec.redis_port}"
        )
    if layout.latency:
        _console.print(
            f"  relays         {len(layout.relays)} on 127.0.0.1: each region reaches the others' "
            "PostgreSQL and balancers through them, delayed by the round trip between them"
        )
    _console.print(f"  CA certificate {ca}")
    _console.print(
        f"\nTry:  curl --cacert {ca} -H 'X-Region: eu-west-1' https://{entry}/api/v1/hotels"
    )
    _console.print("Then: hotelreviews cluster status · hotelreviews cluster down")


def _print_status(document: dict[str, Any]) -> None:
    processes = Table(title="Processes", title_justify="left")
    for column in ("region", "part", "pid", "state", "detail"):
        processes.add_column(column)
    entry = document["global"]
    seen = ", ".join(f"{region} {state or '?'}" for region, state in entry["regions"].items())
    processes.add_row("global", "haproxy", _pid(entry), _state(entry), f"{entry['url']} · {seen}")
    for region, part in document["regions"].items():
        for api in part["apis"]:
            view = api["balancer_view"] or "?"
            processes.add_row(
                region, api["name"], _pid(api), _state(api), f"{api['url']} · balancer: {view}"
            )
        worker = part["worker"]
        processes.add_row(region, worker["name"], _pid(worker), _state(worker), "")
        for key in ("balancer", "redis"):
            item = part[key]
            processes.add_row(region, item["name"], _pid(item), _state(item), item["url"])
    watch = document.get("watcher")
    if watch is not None:
        processes.add_row("all", watch["name"], _pid(watch), _state(watch), watch["log"])
    relays = document.get("relays")
    if relays is not None:
        detail = f"{relays['routes']} routes between regions"
        processes.add_row("all", relays["name"], _pid(relays), _state(relays), detail)
    _console.print(processes)
    if relays is not None:
        _print_round_trips(relays["round_trips"])

    databases = Table(title="PostgreSQL", title_justify="left")
    for column in ("region", "pid", "role", "timeline", "lag bytes", "lag s", "receiver", "apps"):
        databases.add_column(column)
    for node in document["databases"]:
        lag_seconds = node.get("lag_seconds")
        databases.add_row(
            node["region"],
            str(node.get("pid") or "-"),
            node["role"] + (" (fenced)" if node.get("fenced") else ""),
            str(node.get("timeline") or "-"),
            str(node["lag_bytes"]) if node.get("lag_bytes") is not None else "-",
            f"{lag_seconds:.1f}" if lag_seconds is not None else "-",
            node.get("receiver") or "-",
            ", ".join(node.get("applications") or []),
        )
    _console.print(databases)
    if document["ok"]:
        _console.print("[bold green]all parts up[/]")
    for problem in document["problems"]:
        _console.print(f"[bold red]problem:[/] {problem}")


def _print_round_trips(round_trips: list[dict[str, Any]]) -> None:
    table = Table(
        title="Round trips to PostgreSQL (a new connection: handshake + first answer)",
        title_justify="left",
    )
    for column in ("route", "modelled ms", "through the relay ms", "direct ms"):
        table.add_column(column)
    for entry in round_trips:
        table.add_row(
            entry["route"],
            str(entry["modelled_ms"]),
            _ms(entry["measured_ms"]),
            _ms(entry["direct_ms"]),
        )
    _console.print(table)


def _ms(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "no answer"


def _pid(item: dict[str, Any]) -> str:
    return str(item["pid"]) if item["pid"] is not None else "-"


def _state(item: dict[str, Any]) -> str:
    if not item["running"]:
        return "[red]down[/]"
    if item.get("ready") is False:
        return f"[yellow]not ready[/] ({item.get('detail')})"
    return "[green]up[/]"
