"""`hotelreviews intelligence catch-up`: apply every ingested batch the review-intelligence
runner has not applied yet (opinions, reputation, alerts), then exit.

For setups without a worker (the embedded laptop setup, `make run`, which ingests the demo
with `hotelreviews demo --ingest` and runs this after it); `hotelreviews worker` runs the same
catch-up continuously (docs/intelligence/runner.md).
"""

from __future__ import annotations

import asyncio
import time

import typer

from hotelreviews.cli._exits import exit_on_database_errors
from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings, get_settings
from hotelreviews.intelligence.runner import CatchUpReport, catch_up
from hotelreviews.observability.logging import configure_logging

intelligence_app = typer.Typer(no_args_is_help=True)


@intelligence_app.command(
    "catch-up", help="Analyse, score and alert on every batch not applied yet, then exit."
)
def catch_up_command() -> None:
    run_catch_up()


def run_catch_up() -> CatchUpReport:
    """Catch up and print one summary line (shared with `demo --ingest`)."""
    settings = get_settings()
    configure_logging(settings)
    started = time.perf_counter()
    then = "nothing is half-applied, run the same command again to resume"
    with exit_on_database_errors(then=then):
        report = asyncio.run(_catch_up(settings))
    seconds = time.perf_counter() - started
    # Two short lines: a terminal of 80 columns never breaks one (as the other summaries).
    typer.echo(
        f"review intelligence: {report.hotels:,} hotels scored, "
        f"{report.analysed:,} reviews analysed"
    )
    resynchronised = " · every hotel resynchronised" if report.resynchronised else ""
    typer.echo(
        f"alerts {report.alerts:,} · events {report.events:,}{resynchronised} · "
        f"time {seconds:.1f} s"
    )
    return report


async def _catch_up(settings: Settings) -> CatchUpReport:
    if settings.is_embedded:
        await asyncio.to_thread(migrations.upgrade, settings)
    engine = create_engine(settings)
    try:
        await migrations.ensure_schema_current(engine, settings)
        return await catch_up(
            engine=engine, settings=settings, limit=settings.intelligence_batch_events
        )
    finally:
        await engine.dispose()
