"""`hotelreviews ingest PATH|URI...`: one progress display while it works, a summary at the end."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import orjson
import typer
from rich.console import Console

from hotelreviews.cli._exits import exit_on_database_errors
from hotelreviews.cli.ingest_progress import ingest_display
from hotelreviews.core import heap, migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings, get_settings
from hotelreviews.core.wording import plural
from hotelreviews.ingestion.writing.bulk import BulkRefused
from hotelreviews.ingestion.writing.reports import IngestReport
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.observability.logging import configure_logging
from hotelreviews.observability.tracing import configure_tracing


def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories (every .jl/.jsonl[.gz] inside), - for stdin,"
            " s3://bucket/key, s3://bucket/prefix/ (every review file under it) or"
            " http(s):// URLs.",
            metavar="PATH_OR_URI...",
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Process files again even if already ingested.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable summary on stdout.")
    ] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="Into an empty database only: build the search and review-page indexes"
            " after the load, not row by row (faster; refused if reviews are stored).",
        ),
    ] = False,
) -> None:
    report = run_ingest(paths, force=force, as_json=as_json, bulk=bulk)
    raise typer.Exit(code=1 if report.failed else 0)


def run_ingest(
    paths: list[str], *, force: bool = False, as_json: bool = False, bulk: bool = False
) -> IngestReport:
    """Ingest and print the summary (shared by `ingest` and `demo --ingest`)."""
    settings = get_settings()
    configure_logging(settings)
    configure_tracing(settings)
    console = Console(stderr=True, soft_wrap=True)
    # Committed batches stay committed: running the same command again resumes.
    then = "nothing is lost, run the same command again to resume"
    with exit_on_database_errors(then=then, refusals=(BulkRefused,)):
        report = asyncio.run(
            _ingest(settings, paths, force=force, bulk=bulk, console=console, quiet=as_json)
        )
    if as_json:
        sys.stdout.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_summary(Console(soft_wrap=True), report)
    for failed in report.failed:
        # The message names the file and the cause; plain text so logs keep it on one line.
        typer.echo(f"error: {failed.message}", err=True)
    return report


async def _ingest(
    settings: Settings,
    paths: list[str],
    *,
    force: bool,
    bulk: bool,
    console: Console,
    quiet: bool,
) -> IngestReport:
    if settings.is_embedded:
        await asyncio.to_thread(migrations.upgrade, settings)
    engine = create_engine(settings)
    try:
        await migrations.ensure_schema_current(engine, settings)
        heap.settle()
        with ingest_display(console, quiet=quiet) as display:
            return await ingest_paths(
                engine=engine,
                settings=settings,
                paths=paths,
                force=force,
                bulk=bulk,
                on_file=display.on_file if display else None,
                on_progress=display.on_progress if display else None,
            )
    finally:
        await engine.dispose()


MAX_FILES_LISTED = 12


def _print_summary(console: Console, report: IngestReport) -> None:
    totals = report.totals
    # A line per file helps with a few files; with a whole delivery it buries the summary.
    listed = report.files if len(report.files) <= MAX_FILES_LISTED else []
    for file in listed:
        counts = file.counts
        if file.status == "skipped":
            console.print(f"skipped  {file.source}: {file.message}", highlight=False)
        elif file.status == "ingested":
            resumed = (
                f" (resumed after line {file.resumed_after_line})"
                if file.resumed_after_line
                else ""
            )
            console.print(
                f"ingested {file.source}{resumed}: {plural(counts.lines_done, 'line')}, "
                f"{counts.new:,} new, {counts.updated:,} updated, {counts.unchanged:,} unchanged, "
                f"{counts.rejected:,} rejected",
                highlight=False,
            )
    console.print(
        f"\n{plural(len(report.files), 'file')}: "
        f"{sum(f.status == 'ingested' for f in report.files)} ingested, "
        f"{sum(f.status == 'skipped' for f in report.files)} skipped, "
        f"{len(report.failed)} failed",
        highlight=False,
    )
    # Two lines, not one: with a demo's numbers one line passes 80 columns.
    console.print(
        f"lines read {totals.lines_done:,} · blank {totals.blank:,} · rejected {totals.rejected:,}",
        highlight=False,
    )
    console.print(
        f"reviews new {totals.new:,} · updated {totals.updated:,} · unchanged {totals.unchanged:,}",
        highlight=False,
    )
    for reason, count in sorted(totals.rejected_by_reason.items()):
        console.print(f"  rejected {reason}: {count:,}", highlight=False)
    console.print(
        f"time {report.seconds:.1f} s · {report.lines_per_second:,.0f} lines/s", highlight=False
    )
