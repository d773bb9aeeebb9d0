"""Following the writer endpoint store (writer_store) from a running process, the API or the
worker: re-read it every few seconds and, when it names another host:port, move the router's
primary there — no restart.

The database URL keeps its driver, user, password and database name; only the host and port
come from the store (RDS instances of one deployment share the rest). A store that cannot be
read, or a copy that is missing, changes nothing: the process keeps its writer and tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.dr.rds import writer_store
from hotelreviews.dr.rds.aws import RdsError
from hotelreviews.routing.router import DatabaseRouter, Primary, build_primary

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

logger = logging.getLogger("hotelreviews.dr.rds")

# How a process opens its primary at a URL (the API's reads are time-limited, the worker's not).
PrimaryAt = Callable[[str], Primary]


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


async def _moved_writer(url: str, settings: Settings) -> str | None:
    """`url` moved to the endpoint this process's copy of the store names; None when the
    copy is missing or names `url`'s own host:port. RdsError when the store cannot be
    read, ValueError when it holds no host:port."""
    endpoint = await asyncio.to_thread(
        writer_store.read, parameter_region(settings), settings=settings
    )
    if not endpoint or endpoint.strip() == endpoint_of(url):
        return None
    return with_endpoint(url, endpoint)


async def settings_at_start(settings: Settings) -> Settings:
    """The settings a following process starts with: its database URL's host and port are
    the store's copy, so that a process (re)started after `dr rds promote` opens the new
    writer, not the one its configured URL still names (possibly gone). Unchanged when it
    does not follow the store, or when the store cannot be read (a warning; the process
    starts on its configured writer and follows the store from then on)."""
    if settings.writer_endpoint_poll_seconds is None or settings.is_embedded:
        return settings
    url = settings.resolved_database_url
    try:
        moved = await _moved_writer(url, settings)
        if moved is None:
            return settings
    except (RdsError, ValueError) as error:
        logger.warning(
            "writer endpoint (%s): %s (starting on %s)",
            writer_store.describe(settings),
            error,
            endpoint_of(url),
        )
        return settings
    logger.info(
        "starting on the writer %s (%s)", endpoint_of(moved), writer_store.describe(settings)
    )
    return settings.model_copy(update={"database_url": SecretStr(moved)})


async def follow_writer(
    router: DatabaseRouter,
    settings: Settings,
    *,
    interval_seconds: float,
    primary_at: PrimaryAt | None = None,
) -> None:
    """Until cancelled: every `interval_seconds`, read the store and, when it names an
    endpoint other than the current writer's, open a primary there (`primary_at(url)`, by
    default the API's build_primary) and swap it in."""
    open_primary = primary_at or (lambda url: build_primary(settings, url))
    url = settings.resolved_database_url
    current = endpoint_of(url)
    while True:
        try:
            moved = await _moved_writer(url, settings)
            if moved is not None:
                await router.replace_primary(open_primary(moved))
                url, current = moved, endpoint_of(moved)
        except (RdsError, ValueError) as error:
            logger.warning(
                "writer endpoint (%s): %s (writes still go to %s)",
                writer_store.describe(settings),
                error,
                current,
            )
        except Exception:
            # This task outlives any one failure: the next poll tries again.
            logger.exception(
                "following the writer endpoint failed (writes still go to %s)", current
            )
        await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def following_writer(
    router: DatabaseRouter,
    settings: Settings,
    *,
    primary_at: PrimaryAt | None = None,
) -> AsyncIterator[None]:
    """follow_writer while the block runs, when HOTELREVIEWS_WRITER_ENDPOINT_POLL_SECONDS
    is set (and the database is PostgreSQL: SQLite has no endpoint to move)."""
    interval = settings.writer_endpoint_poll_seconds
    if interval is None or settings.is_embedded:
        yield
        return
    task = asyncio.create_task(
        follow_writer(router, settings, interval_seconds=interval, primary_at=primary_at),
        name="hotelreviews-writer-follow",
    )
    try:
        yield
    finally:
        await cancel_and_wait([task])
