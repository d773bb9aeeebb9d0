"""`hotelreviews worker`: poll the configured sources and run queued ingestions until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Annotated

import typer
from prometheus_client import start_http_server
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cli._exits import exit_on_database_errors
from hotelreviews.core import heap, migrations
from hotelreviews.core.settings import Settings, get_settings
from hotelreviews.dr.rds.writer_follow import following_writer, settings_at_start
from hotelreviews.ingestion.queue.metrics import keep_measuring
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.intelligence.runner.background import BackgroundRunner
from hotelreviews.observability.exposition import scrape_registry
from hotelreviews.observability.logging import configure_logging
from hotelreviews.observability.tracing import configure_tracing
from hotelreviews.routing import DatabaseRouter, Primary
from hotelreviews.routing.router import build_primary

logger = logging.getLogger("hotelreviews.worker")


def worker(
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Poll the sources once, work until no ingestion is queued, running or "
            "waiting for a retry, then exit.",
        ),
    ] = False,
) -> None:
    try:
        settings = get_settings()
    except ValidationError as error:
        for problem in error.errors():
            typer.echo(f"error: configuration: {problem['msg']}", err=True)
        raise typer.Exit(code=2) from None
    for source in settings.worker_sources:
        scheme, separator, _ = source.partition("://")
        if separator and scheme.lower() not in ("s3", "file"):
            typer.echo(
                f"error: HOTELREVIEWS_WORKER_SOURCES: {source} is neither a folder nor an "
                "s3://bucket/prefix/ URI",
                err=True,
            )
            raise typer.Exit(code=2)
    # On stderr; the libraries (alembic's migration at start-up among them) only warn.
    configure_logging(settings)
    configure_tracing(settings)
    with exit_on_database_errors(then="start again later"):
        asyncio.run(_work(settings, once=once))


async def _work(settings: Settings, *, once: bool) -> None:
    if settings.is_embedded:
        await asyncio.to_thread(migrations.upgrade, settings)
    settings = await settings_at_start(settings)
    # A router with a primary only: the worker reads nothing from replicas, but follows the
    # writer when `dr rds` moves it (HOTELREVIEWS_WRITER_ENDPOINT_POLL_SECONDS).
    router = DatabaseRouter(
        primary=_primary_at(settings, settings.resolved_database_url), region=settings.region
    )

    def writer() -> AsyncEngine:
        return router.primary.engine

    measuring: asyncio.Task[None] | None = None
    try:
        await migrations.ensure_schema_current(writer(), settings)
        if settings.metrics_enabled and settings.worker_metrics_port is not None:
            measuring = _serve_metrics(writer, settings.worker_metrics_port)
        worker = Worker(writer=writer, settings=settings)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, _stopper(worker, signum))
        logger.info(
            "worker %s started: sources %s, poll every %g s, lease %g s",
            worker.name,
            ", ".join(settings.worker_sources) or "none (jobs queued through the API only)",
            settings.worker_poll_seconds,
            settings.worker_lease_seconds,
        )
        heap.settle()
        async with (
            following_writer(router, settings, primary_at=partial(_primary_at, settings)),
            _intelligence(settings, writer, once=once),
        ):
            await worker.run(once=once)
        logger.info("worker %s stopped", worker.name)
    finally:
        if measuring is not None:
            measuring.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await measuring
        await router.dispose()


@contextlib.asynccontextmanager
async def _intelligence(
    settings: Settings, writer: Callable[[], AsyncEngine], *, once: bool
) -> AsyncIterator[None]:
    """Review intelligence alongside the ingestions (HOTELREVIEWS_INTELLIGENCE_ENABLED); with
    --once, a last catch-up after them, so the run ends with everything applied."""
    if not settings.intelligence_enabled:
        yield
        return
    runner = BackgroundRunner(settings)
    async with runner.running(writer):
        yield
    if once:
        await runner.run_once(writer())


def _primary_at(settings: Settings, url: str) -> Primary:
    """The worker's writer at `url` (metered); its reads have no time limit."""
    return build_primary(settings, url, time_limited_reads=False)


def _serve_metrics(writer: Callable[[], AsyncEngine], port: int) -> asyncio.Task[None]:
    """Serve /metrics on `port` (all interfaces, for Prometheus; a thread of this process)
    and keep the queue gauges current; returns the measuring task."""
    start_http_server(port, registry=scrape_registry())
    logger.info("metrics on port %d (/metrics)", port)
    return asyncio.create_task(keep_measuring(writer), name="hotelreviews-queue-metrics")


def _stopper(worker: Worker, signum: int) -> Callable[[], None]:
    def stop() -> None:
        if not worker.stopping.is_set():
            logger.info(
                "%s: finishing the current batch, then stopping", signal.Signals(signum).name
            )
        worker.stop()

    return stop
