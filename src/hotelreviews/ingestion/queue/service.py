"""Queueing the new files a poll of the configured sources finds (a source queued through the
API is queued by runs/service.py)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue import repository as repo
from hotelreviews.ingestion.queue.discovery import ListedFile, list_source
from hotelreviews.ingestion.sources.errors import SourceError

logger = logging.getLogger("hotelreviews.worker")
_LOOKUP_CHUNK = 500


async def poll_sources(*, engine: AsyncEngine, settings: Settings) -> int:
    """List every configured source and queue the files (and versions) not queued yet;
    returns how many were queued. A source that can't be listed is logged and skipped."""
    queued = 0
    for source in settings.worker_sources:
        try:
            files = await asyncio.to_thread(list_source, source, settings=settings)
        except SourceError as error:
            logger.warning("cannot list %s: %s", source, error)
            continue
        except Exception as error:  # S3 or the network failing: the next poll tries again
            logger.warning("cannot list %s: %s", source, error)
            continue
        queued += await enqueue_new_files(engine=engine, settings=settings, files=files)
    return queued


async def enqueue_new_files(
    *, engine: AsyncEngine, settings: Settings, files: list[ListedFile]
) -> int:
    """Queue the listed files whose version has no job yet; returns how many were queued.

    Several workers polling the same sources race to queue a new file: the unique (URI,
    identity) lets one win, and the others' inserts are dropped.
    """
    known: set[tuple[str, str]] = set()
    async with read_transaction(engine) as connection:
        for start in range(0, len(files), _LOOKUP_CHUNK):
            chunk = files[start : start + _LOOKUP_CHUNK]
            known |= await repo.queued_versions(
                connection, source_uris=[file.source.uri for file in chunk]
            )
    queued = 0
    for file in files:
        if (file.source.uri, file.identity) in known:
            continue
        try:
            async with write_transaction(engine) as connection:
                job_id = await repo.insert_job(
                    connection,
                    source_uri=file.source.uri,
                    shown_uri=file.source.shown_uri,
                    display_name=file.source.display_name,
                    source_identity=file.identity,
                    bytes_total=file.size,
                    max_attempts=settings.worker_max_attempts,
                )
        except sa_exc.IntegrityError:
            continue  # another worker queued it first
        logger.info("ingestion %d queued: %s", job_id, file.source.shown_uri)
        queued += 1
    return queued
