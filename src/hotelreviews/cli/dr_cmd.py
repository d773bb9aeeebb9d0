"""`hotelreviews dr switchover|failover|rejoin|status`: disaster recovery on the cluster that
`hotelreviews cluster up` started (hotelreviews.dr; runbooks in docs/operations.md).

Every command finds the cluster through `<data dir>/cluster/cluster.json` and asks the servers
themselves who is the primary. The API and worker processes follow on their own: their
primary URL lists every server and the driver connects to the one that accepts writes.

`hotelreviews dr rds status|promote|repoint`: the same on Amazon RDS (hotelreviews.dr.rds).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

dr_app = typer.Typer(no_args_is_help=True)

_WIDTH = None if sys.stdout.isatty() else 200
_console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
_errors = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)

Region = Annotated[str, typer.Argument(help="us-east-1, eu-west-1 or ap-southeast-1.")]
RdsRegion = Annotated[
    str,
    typer.Argument(
        metavar="REGION",  # as the commands' help names it
        help="One of HOTELREVIEWS_RDS_REGIONS (by default us-east-1, eu-west-1, ap-southeast-1).",
    ),
]
Timeout = Annotated[
    float, typer.Option(min=1.0, help="Seconds to wait for each step before giving up, at least 1.")
]


def _say(message: str) -> None:
    _console.print(f"[bold cyan]==>[/] {message}")


def _layout() -> Any:
    from hotelreviews.cluster.layout import ClusterLayout, LayoutError
    from hotelreviews.cluster.up import cluster_root
    from hotelreviews.core.settings import get_settings

    try:
        return ClusterLayout.load(cluster_root(get_settings().data_dir))
    except LayoutError as error:
        _errors.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(code=2) from None


def _run(operation: Any, **arguments: Any) -> Any:
    """Run a DR operation under the cluster's DR lock (one at a time: a watcher, a drill or
    another operator may be acting); its refusals and failures end the command."""
    from hotelreviews.cluster.pg_tools import PostgresError
    from hotelreviews.dr.lock import dr_lock
    from hotelreviews.dr.topology import DrError

    layout = _layout()
    try:
        with dr_lock(layout.root):
            return operation(layout.nodes(), say=_say, **arguments)
    except (DrError, PostgresError) as error:
        _errors.print(f"[bold red]error:[/] {error}")
        _errors.print("`hotelreviews dr status` shows where every server stands now.")
        raise typer.Exit(code=1) from None


def _done(result: Any) -> None:
    details = ", ".join(
        f"{key}: {value:.2f} s" if isinstance(value, float) else f"{key}: {value}"
        for key, value in asdict(result).items()
    )
    _console.print(f"[bold green]done[/] — {details}")


@dr_app.command(
    help="Planned: move the primary to REGION with no acknowledged write lost. Writes are "
    "refused (503) from the old primary's clean shutdown until the promotion, typically "
    "under a second; the old primary becomes a replica."
)
def switchover(
    to: Annotated[str, typer.Option("--to", help="The region to move the primary to.")],
    timeout: Timeout = 60.0,
) -> None:
    from hotelreviews.dr.switchover import switchover as run

    _done(_run(run, to=to, timeout=timeout))


@dr_app.command(
    help="Unplanned: the primary is lost. Fence it (it can only ever start as a replica), "
    "promote the replica that received the most WAL (or --to REGION) and re-point the other. "
    "Refused while the primary answers, unless --force."
)
def failover(
    to: Annotated[
        str | None, typer.Option("--to", help="Promote this replica, not the most advanced.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Fence the primary even though it answers.")
    ] = False,
    timeout: Timeout = 60.0,
) -> None:
    from hotelreviews.dr.failover import failover as run

    _done(_run(run, to=to, force=force, timeout=timeout))
    _console.print("Bring the old primary back as a replica with `hotelreviews dr rejoin REGION`.")


@dr_app.command(
    help="Bring REGION's server back as a replica of the current primary (pg_rewind onto its "
    "timeline, stream from it): a fenced former primary, or a replica that diverged."
)
def rejoin(region: Region, timeout: Timeout = 120.0) -> None:
    from hotelreviews.dr.rejoin import rejoin as run

    _done(_run(run, region=region, timeout=timeout))


@dr_app.command(
    help="Automatic failover: watch the primary and, when no server has answered as the "
    "primary for --after seconds while a replica answers, run `dr failover`. Runs until "
    "stopped (Ctrl-C, SIGTERM); never acts while another DR operation holds the cluster's "
    "lock."
)
def watch(
    after: Annotated[
        float,
        typer.Option(min=1.0, help="Seconds without a primary before failing over, at least 1."),
    ] = 10.0,
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds between checks, at least 0.1.")
    ] = 1.0,
) -> None:
    import signal
    import threading
    from datetime import UTC, datetime

    from hotelreviews.dr.lock import dr_lock
    from hotelreviews.dr.watch import WatchPolicy
    from hotelreviews.dr.watch import watch as run

    layout = _layout()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    def say(message: str) -> None:
        _say(f"{datetime.now(UTC):%H:%M:%S} {message}")

    say(f"watching {', '.join(layout.regions)}: failover after {after:g} s without a primary")
    done = run(
        layout.nodes,
        lock=lambda: dr_lock(layout.root, wait=False),
        policy=WatchPolicy(after_seconds=after, interval_seconds=interval),
        stop=stop,
        say=say,
    )
    say(f"stopped ({len(done)} failover{'s' if len(done) != 1 else ''})")


@dr_app.command(
    help="Every server's role, timeline, lag (bytes and seconds), whom it follows, whether it "
    "is fenced, and which application processes are connected to it. Exit code 1 unless "
    "there is exactly one primary and every other server streams from it."
)
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    from hotelreviews.cluster.pg_status import database_status

    statuses = [status.as_dict() for status in database_status(_layout().nodes())]
    healthy = _healthy(statuses)
    if as_json:
        typer.echo(json.dumps({"ok": healthy, "servers": statuses}, indent=2))
    else:
        _console.print(_servers_table(statuses))
        if not healthy:
            _console.print(
                "[bold red]not whole:[/] see docs/operations.md (failover, rejoin) for what to run"
            )
    if not healthy:
        raise typer.Exit(code=1)


def _healthy(statuses: list[dict[str, Any]]) -> bool:
    primaries = [status["region"] for status in statuses if status["role"] == "primary"]
    return len(primaries) == 1 and all(
        status["role"] == "primary"
        or (status["follows"] == primaries[0] and status["receiver"] == "streaming")
        for status in statuses
    )


def _servers_table(statuses: list[dict[str, Any]]) -> Table:
    table = Table(title="PostgreSQL servers", title_justify="left")
    columns = ("region", "address", "role", "timeline", "follows", "lag bytes", "lag s", "apps")
    for column in columns:
        table.add_column(column)
    for status in statuses:
        role = status["role"] + (" [red](fenced)[/]" if status["fenced"] else "")
        if status["role"] == "replica":
            role += f" ({status['receiver']})"
        lag_seconds = status["lag_seconds"]
        table.add_row(
            status["region"],
            status["address"],
            role,
            str(status["timeline"] or "-"),
            status["follows"] or "-",
            str(status["lag_bytes"]) if status["lag_bytes"] is not None else "-",
            f"{lag_seconds:.1f}" if lag_seconds is not None else "-",
            ", ".join(status["applications"]) or "-",
        )
    return table


rds_app = typer.Typer(
    no_args_is_help=True,
    help="Disaster recovery on Amazon RDS: a primary instance and cross-region read replicas, "
    "the writer's address in an SSM parameter or a Secrets Manager secret "
    "(HOTELREVIEWS_WRITER_ENDPOINT_STORE) that the API and the worker re-read "
    "(docs/operations.md, AWS runbooks).",
)
dr_app.add_typer(rds_app, name="rds")


def _rds(operation: Any, **arguments: Any) -> Any:
    """Run an RDS operation with the settings; its refusals and failures end the command."""
    from hotelreviews.core.settings import get_settings
    from hotelreviews.dr.rds.aws import RdsError

    try:
        return operation(settings=get_settings(), **arguments)
    except RdsError as error:
        _errors.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(code=1) from None


@rds_app.command(
    name="status",
    help="Every region's instance: role, status, endpoint, whom it follows, replica lag "
    "(CloudWatch ReplicaLag, '-' when there is no datapoint) and its copy of the writer's "
    "address. Exit code 1 unless there is one primary, the others replicate it and every "
    "region's copy names it.",
)
def rds_status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    from hotelreviews.dr.rds.operations import healthy, status

    statuses = _rds(status)
    ok = healthy(statuses)
    if as_json:
        rows = [found.as_dict() for found in statuses]
        typer.echo(json.dumps({"ok": ok, "regions": rows}, indent=2))
    else:
        _console.print(_rds_table(statuses))
        if not ok:
            _console.print("[bold red]not whole:[/] see docs/operations.md (AWS runbooks)")
    if not ok:
        raise typer.Exit(code=1)


@rds_app.command(
    help="Promote REGION's read replica to a standalone primary, wait until RDS reports it "
    "available, then point every region's copy of the writer's address at it. The other "
    "replicas keep following the old primary: rebuild them (docs/operations.md)."
)
def promote(
    region: RdsRegion,
    timeout: Annotated[
        float,
        typer.Option(
            min=1.0, metavar="SECONDS", help="How long to wait for the promotion, at least 1."
        ),
    ] = 3600.0,
    poll: Annotated[
        float,
        typer.Option(min=0.0, metavar="SECONDS", help="Time between status checks while waiting."),
    ] = 15.0,
) -> None:
    from hotelreviews.dr.rds.operations import promote as run

    promoted = _rds(run, region=region, say=_say, timeout=timeout, poll_seconds=poll)
    _repointed(f"{region} promoted in {promoted.promote_seconds:.1f} s", promoted.repointed)
    _console.print(
        "The other replicas still follow the old primary: rebuild them (docs/operations.md)."
    )


@rds_app.command(
    help="Point every region's copy of the writer's address at REGION's primary (after a "
    "promotion whose re-pointing failed, or to move the apps back)."
)
def repoint(region: RdsRegion) -> None:
    from hotelreviews.dr.rds.operations import repoint as run

    repointed = _rds(run, region=region, say=_say)
    _repointed(f"the writer is {region}'s {repointed.endpoint}", repointed.repointed)


def _repointed(what: str, outcome: dict[str, str | None]) -> None:
    failed = [region for region, failure in outcome.items() if failure is not None]
    written = len(outcome) - len(failed)
    summary = f"{what}; writer re-pointed in {written} of {len(outcome)} regions"
    if failed:
        _console.print(f"[bold yellow]done, partly[/] — {summary} (not in {', '.join(failed)})")
    else:
        _console.print(f"[bold green]done[/] — {summary}")


def _rds_table(statuses: list[Any]) -> Table:
    table = Table(title="RDS instances", title_justify="left")
    columns = ("region", "instance", "role", "status", "endpoint", "follows", "lag s", "writes to")
    for column in columns:
        table.add_column(column)
    # The store names an endpoint; say whose (a stale or unknown one is shown as is).
    regions_by_endpoint = {
        found.instance.endpoint: found.region for found in statuses if found.instance
    }
    for found in statuses:
        instance = found.instance
        if instance is None:
            table.add_row(found.region, "-", f"[red]{found.error or 'none'}[/]", *"-----")
            continue
        table.add_row(
            found.region,
            instance.identifier,
            instance.role,
            instance.status,
            instance.endpoint or "-",
            instance.source_region or "-",
            f"{found.lag_seconds:.1f}" if found.lag_seconds is not None else "-",
            regions_by_endpoint.get(found.writer_endpoint, found.writer_endpoint)
            if found.writer_endpoint
            else "[red]missing[/]",
        )
    return table


def _register_drill() -> None:
    # The command's body lives with the drill (hotelreviews.dr.drill.cli).
    from hotelreviews.dr.drill.cli import DRILL_HELP, drill_command

    dr_app.command(name="drill", help=DRILL_HELP)(drill_command)


_register_drill()
