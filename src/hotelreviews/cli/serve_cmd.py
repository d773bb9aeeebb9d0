"""`hotelreviews serve`: the HTTP API under uvicorn (uvloop + httptools, no access log)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings, get_settings
from hotelreviews.observability.exposition import MULTIPROC_DIR_VARIABLE
from hotelreviews.observability.logging import configure_logging

APP_FACTORY = "hotelreviews.app.factory:create_app"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port, 1 to 65535.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes, 1 to 64.")] = 1,
) -> None:
    import uvicorn

    settings = get_settings()
    configure_logging(settings)  # this process's (the workers' own: app.factory.create_app)
    if settings.is_embedded:
        # Each worker migrates the embedded database on start-up; doing it once here first
        # keeps several workers from racing to create the same tables.
        migrations.upgrade(settings)
    else:
        # Checked here too (the app checks again in each worker) so that an outdated schema
        # is one clear line rather than every worker's start-up traceback.
        try:
            asyncio.run(_check_schema(settings))
        except migrations.SchemaOutdated as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from None
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    # One address a line: together they would pass 80 columns.
    typer.echo(f"Hotel reviews API on {base}")
    typer.echo(f"explorer (web pages) at {base}/")
    typer.echo(f"interactive docs at {base}/docs")
    # One process keeps its metrics in memory, unless the operator asked for files.
    shared_metrics = settings.metrics_enabled and (
        workers > 1 or bool(os.environ.get(MULTIPROC_DIR_VARIABLE))
    )
    with metrics_directory(settings) if shared_metrics else contextlib.nullcontext():
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http="httptools",
            access_log=False,
            # The app decides which proxies' X-Forwarded-* to believe
            # (HOTELREVIEWS_TRUSTED_PROXIES).
            proxy_headers=False,
            log_level=settings.log_level.lower(),
            # Not uvicorn's own handlers: its records go through ours (observability.logging).
            log_config=None,
            # Event streams (GET /api/v1/events) never end by themselves: without a bound, a
            # stop would wait for every client to leave.
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        )


@contextlib.contextmanager
def metrics_directory(settings: Settings) -> Iterator[Path]:
    """The directory the workers share their metrics through (PROMETHEUS_MULTIPROC_DIR),
    emptied first: files left by an earlier run would add its counts to this one's.

    Workers are spawned (fresh interpreters), so setting the variable here, before uvicorn
    starts them, puts every worker's metrics in multiprocess mode. Without the variable set
    by the operator, the directory is this run's own and removed at the end.
    """
    given = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # prometheus-client's files only
            stale.unlink()
        yield directory
        return
    directory = settings.data_dir / "run" / f"metrics-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)  # a pid reused after a crash
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_DIR_VARIABLE] = str(directory.resolve())
    try:
        yield directory
    finally:
        del os.environ[MULTIPROC_DIR_VARIABLE]
        shutil.rmtree(directory, ignore_errors=True)


async def _check_schema(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        await migrations.ensure_schema_current(engine, settings)
    finally:
        await engine.dispose()
