"""`hotelreviews serve`: the HTTP API under uvicorn (uvloop + httptools, no access log)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings, get_settings

APP_FACTORY = "hotelreviews.api.app:create_app"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    import uvicorn

    settings = get_settings()
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
    typer.echo(f"Hotel reviews API on {base} — interactive docs at {base}/docs")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        # The app decides which proxies' X-Forwarded-* to believe (HOTELREVIEWS_TRUSTED_PROXIES).
        proxy_headers=False,
        log_level=settings.log_level.lower(),
    )


async def _check_schema(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        await migrations.ensure_schema_current(engine, settings)
    finally:
        await engine.dispose()
