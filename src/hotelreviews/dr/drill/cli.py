"""`hotelreviews dr drill`: the command (registered in hotelreviews.cli.dr_cmd)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

DRILL_HELP = (
    "Disaster-recovery drill on the running cluster: under a steady mixed load through the "
    "global entry (every region), SIGKILL the primary's PostgreSQL (--kill postgres) or its "
    "whole region (--kill region), fail over, and measure RTO, RPO, read availability and "
    "latency per region before, during and after. Then rejoin the old primary (and restart "
    "a killed region). Writes <cluster>/drills/<UTC time>-<kill>.json and .md."
)

_WIDTH = None if sys.stdout.isatty() else 200
_console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
_errors = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


# How long the drill waits for the cluster's DR lock before saying another operation runs.
LOCK_WAIT_SECONDS = 30.0


def _say(message: str) -> None:
    _console.print(f"[bold cyan]==>[/] {message}")


def drill_command(
    kill: Annotated[
        str,
        typer.Option(help="What to kill: postgres (the primary's server) or region (all of it)."),
    ] = "postgres",
    before: Annotated[float, typer.Option(min=1.0, help="Seconds of load before the kill.")] = 20.0,
    after: Annotated[
        float, typer.Option(min=1.0, help="Seconds of load once the failover is over.")
    ] = 20.0,
    grace: Annotated[
        float,
        typer.Option(min=0.0, help="Seconds the during phase goes on after writes resume."),
    ] = 5.0,
    users: Annotated[int, typer.Option(min=1, max=50, help="Virtual users per region.")] = 4,
    rate: Annotated[
        float, typer.Option(min=1.0, max=500.0, help="Requests per second per region.")
    ] = 20.0,
    resume_timeout: Annotated[
        float, typer.Option(min=5.0, help="Give up waiting for writes to resume after this.")
    ] = 120.0,
    switch_back: Annotated[
        bool, typer.Option(help="Afterwards, switch the primary back to where it was.")
    ] = False,
) -> None:
    from hotelreviews.cluster.layout import LayoutError
    from hotelreviews.core.settings import get_settings
    from hotelreviews.dr.drill.faults import KILLS
    from hotelreviews.dr.drill.report import build_report, write_report
    from hotelreviews.dr.drill.scenario import (
        DrillError,
        DrillOptions,
        load_running_layout,
        run_drill,
    )
    from hotelreviews.dr.lock import dr_lock
    from hotelreviews.dr.topology import DrError

    if kill not in KILLS:
        _errors.print(f"[bold red]error:[/] --kill is one of {', '.join(KILLS)}, not {kill!r}")
        raise typer.Exit(code=2)
    options = DrillOptions(
        kill=kill,
        before_seconds=before,
        after_seconds=after,
        grace_seconds=grace,
        users_per_region=users,
        rate_per_region=rate,
        resume_timeout_seconds=resume_timeout,
        switch_back=switch_back,
    )
    try:
        layout = load_running_layout(get_settings().data_dir)
        # The drill fails over itself: no watcher or operator may act on the cluster meanwhile.
        # The watcher takes the lock for a moment every round it looks: wait those out, not
        # an operation that runs for longer.
        with dr_lock(layout.root, wait=False, timeout_seconds=LOCK_WAIT_SECONDS):
            run = run_drill(layout, options, say=_say)
    except (LayoutError, DrillError, DrError) as error:
        _errors.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(code=1) from None
    report = build_report(run, list(layout.regions))
    json_path, markdown_path = write_report(report, layout.root / "drills")
    _console.print(_summary(report))
    _console.print(f"report: {markdown_path}\n        {json_path}")
    if report["problems"]:
        for problem in report["problems"]:
            _errors.print(f"[bold red]problem:[/] {problem}")
        raise typer.Exit(code=1)


def _summary(report: dict[str, Any]) -> Table:
    table = Table(title=f"Drill {report['run_id']} (--kill {report['kill']})", title_justify="left")
    for column in (
        "region",
        "reads answered during",
        "requests served by (during)",
        "P95 ms before",
        "P95 ms during",
        "P95 ms after",
    ):
        table.add_column(column)
    for region, availability in report["read_availability_during"].items():
        share = availability["share"]
        phases = report["read_latency_ms"][region]
        table.add_row(
            region,
            "-" if share is None else f"{share * 100:.1f} %",
            ", ".join(f"{k} {v}" for k, v in report["served_by_during"][region].items()),
            *(_ms(phases[phase]["p95_ms"]) for phase in ("before", "during", "after")),
        )
    rows = [
        f"{goal['name']}: {goal['measured']} (goal {goal['target']}) "
        f"{'[green]met[/]' if goal['met'] else '[bold red]not met[/]'}"
        for goal in report["goals"]
    ]
    table.caption = "\n".join(rows)
    table.caption_justify = "left"
    return table


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
