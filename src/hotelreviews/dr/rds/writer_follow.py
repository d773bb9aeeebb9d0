"""Following the writer parameter from a running process: re-read it every few seconds and,
when it names another host:port, move the router's primary there — no restart.

The database URL keeps its driver, user, password and database name; only the host and port
come from the parameter (RDS instances of one deployment share the rest). A parameter that
cannot be read, or is missing, changes nothing: the process keeps its writer and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.dr.rds import writer_parameter
from hotelreviews.dr.rds.aws import RdsError
from hotelreviews.routing.router import DatabaseRouter, build_primary

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

logger = logging.getLogger("hotelreviews.dr.rds")


def parameter_region(settings: Settings) -> str:
    """The region whose copy this process reads: its own when it is one of the database's."""
    return settings.region if settings.region in settings.rds_regions else settings.rds_regions[0]


def with_endpoint(url: str, endpoint: str) -> str:
    """`url` with its host and port replaced by `endpoint` ("host:port")."""
    host, separator, port = endpoint.strip().rpartition(":")
    if not separator or not host or not port.isdigit():
        raise ValueError(f"not host:port: {endpoint!r}")
    moved = make_url(url).set(host=host, port=int(port))
    return moved.render_as_string(hide_password=False)


def endpoint_of(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host}:{parsed.port or 5432}"


async def follow_writer(
    router: DatabaseRouter,
    settings: Settings,
    *,
    interval_seconds: float,
) -> None:
    """Until cancelled: every `interval_seconds`, read the parameter and, when it names an
    endpoint other than the current writer's, make a primary there and swap it in."""
    region = parameter_region(settings)
    current = endpoint_of(settings.resolved_database_url)
    url = settings.resolved_database_url
    while True:
        try:
            endpoint = await asyncio.to_thread(writer_parameter.read, region, settings=settings)
            if endpoint and endpoint.strip() != current:
                url = with_endpoint(url, endpoint)
                primary = build_primary(settings, url)
                await router.replace_primary(primary)
                current = endpoint.strip()
        except (RdsError, ValueError) as error:
            logger.warning(
                "writer parameter %s: %s (writes still go to %s)",
                settings.writer_endpoint_parameter,
                error,
                current,
            )
        except Exception:
            # This task outlives any one failure: the next poll tries again.
            logger.exception(
                "following the writer parameter failed (writes still go to %s)", current
            )
        await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def following_writer(
    router: DatabaseRouter,
    settings: Settings,
) -> AsyncIterator[None]:
    """follow_writer while the block runs, when HOTELREVIEWS_WRITER_ENDPOINT_POLL_SECONDS
    is set (and the database is PostgreSQL: SQLite has no endpoint to move)."""
    interval = settings.writer_endpoint_poll_seconds
    if interval is None or settings.is_embedded:
        yield
        return
    task = asyncio.create_task(
        follow_writer(router, settings, interval_seconds=interval),
        name="hotelreviews-writer-follow",
    )
    try:
        yield
    finally:
        await cancel_and_wait([task])
