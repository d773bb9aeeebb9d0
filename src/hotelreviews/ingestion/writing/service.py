"""Ingesting provider files: the one code path the CLI, the demo and the worker use."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.cache.invalidation import publish_committed
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.events.notify import announce
from hotelreviews.ingestion.shapes.parsing import parse_line
from hotelreviews.ingestion.shapes.records import NormalizedReview
from hotelreviews.ingestion.sources.errors import SourceError, SourceOverLimit, SourceUnavailable
from hotelreviews.ingestion.sources.limits import SourceBudget
from hotelreviews.ingestion.sources.opening import expand_paths, iter_lines, open_source
from hotelreviews.ingestion.sources.source import Source
from hotelreviews.ingestion.writing import repository as repo
from hotelreviews.ingestion.writing.batch import LineCounts, ParsedBatch
from hotelreviews.ingestion.writing.bulk import restore_indexes, start_bulk_load
from hotelreviews.ingestion.writing.progress_events import record_ingestion_event
from hotelreviews.ingestion.writing.reports import FileReport, IngestReport
from hotelreviews.ingestion.writing.rows import EXCERPT_BYTES, storability_problem
from hotelreviews.ingestion.writing.writer import BatchHook, BatchWriter, KnownIds
from hotelreviews.observability.metrics import INGEST_FILES

# Called after each committed batch with (file name, lines done in the file, bytes of the file
# read so far — of the size given to FileListener; the reader runs up to a batch ahead).
ProgressListener = Callable[[str, int, int], None]
# Called when a file starts, with its name and size in bytes.
FileListener = Callable[[str, int], None]

_P = ParamSpec("_P")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


async def ingest_paths(
    *,
    engine: AsyncEngine,
    settings: Settings,
    paths: list[str],
    force: bool = False,
    bulk: bool = False,
    on_file: FileListener | None = None,
    on_progress: ProgressListener | None = None,
) -> IngestReport:
    """Ingest files, directories, "-" (stdin) and URIs (s3://bucket/key or prefix/, http(s)://);
    one report line per file.

    `bulk`: into an empty database, with the search and page indexes built after the load
    (see bulk; raises BulkRefused if the database holds reviews).
    """
    report = IngestReport()
    known = KnownIds()
    started = time.monotonic()
    if bulk:
        await start_bulk_load(engine)
    else:
        # An interrupted bulk load left indexes missing: build them before adding to it.
        await restore_indexes(engine)
    for argument in paths:
        try:
            files = await asyncio.to_thread(expand_paths, [argument], settings=settings)
        except SourceError as error:
            report.files.append(FileReport(source=argument, status="failed", message=str(error)))
            INGEST_FILES.labels(outcome="failed").inc()
            continue
        for path in files:
            report.files.append(
                await ingest_file(
                    engine=engine,
                    settings=settings,
                    path=path,
                    force=force,
                    on_file=on_file,
                    on_progress=on_progress,
                    known=known,
                )
            )
    if bulk:
        await restore_indexes(engine)
    report.seconds = time.monotonic() - started
    return report


def _count_outcome(
    ingest: Callable[_P, Awaitable[FileReport]],
) -> Callable[_P, Awaitable[FileReport]]:
    """Count each file's outcome (ingested, skipped, failed) in the metrics."""

    @functools.wraps(ingest)
    async def counted(*args: _P.args, **kwargs: _P.kwargs) -> FileReport:
        report = await ingest(*args, **kwargs)
        INGEST_FILES.labels(outcome=report.status).inc()
        return report

    return counted


@_count_outcome
async def ingest_file(
    *,
    engine: AsyncEngine,
    settings: Settings,
    path: str,
    force: bool = False,
    on_file: FileListener | None = None,
    on_progress: ProgressListener | None = None,
    known: KnownIds | None = None,
    reserved_run_id: int | None = None,
    in_batch: BatchHook | None = None,
    local_roots: Sequence[Path] | None = None,
) -> FileReport:
    """Ingest one file or URI: skip it if already ingested, resume it if a run was interrupted.

    The worker passes the ingestion its job reserved (used as the run if a new one is needed),
    a hook that runs first in each batch's transaction (see writer.BatchHook), and the folders
    it polls, which a local path must really be in (see local_files). The source's costs are
    capped by the settings' source limits (see limits): over one, it fails for good, its
    committed batches kept.
    """
    started = time.monotonic()
    budget = SourceBudget.start(settings)
    try:
        # In a thread: a checksum pass or a remote request must not stall the event loop.
        opened = await asyncio.to_thread(
            open_source, path, settings=settings, local_roots=local_roots
        )
        with opened as source:
            if on_file:
                on_file(source.display_name, source.size)
            claim = await _claim_run(
                engine, settings, source, force=force, reserved_run_id=reserved_run_id
            )
            if isinstance(claim, FileReport):
                return claim
            run_id, counts, started_at = claim
            report = FileReport(
                source=source.display_name,
                status="ingested",
                run_id=run_id,
                resumed_after_line=counts.lines_done,
            )
            writer = BatchWriter(
                engine=engine,
                run_id=run_id,
                standings_as_of=_snapshot_date(source.display_name) or started_at.date(),
                counts=counts,
                known=known or KnownIds(),
                in_transaction=in_batch,
                max_stored_rejections=settings.source_max_stored_rejections,
                describe=functools.partial(_batch_attributes, source, run_id),
                events_retention=timedelta(hours=settings.events_retention_hours),
                ingestion_id=reserved_run_id,
            )
            batches = _read_batches(
                iter_lines(source, start_after_line=counts.lines_done, budget=budget),
                start_after=counts.lines_done,
                size=settings.ingest_batch_size,
                position=lambda: source.bytes_read,
            )
            committed_batches = writer.write_all(
                _read_ahead(batches), pipelined=_can_pipeline(engine, settings)
            )
            try:
                async with contextlib.aclosing(committed_batches):
                    async for committed in committed_batches:
                        # Committed: tell the API processes (best effort; they also poll).
                        await publish_committed(
                            settings=settings, engine=engine, bump=committed.bump
                        )
                        await announce(settings=settings, up_to=committed.last_event_id)
                        if on_progress:
                            on_progress(
                                source.display_name, committed.counts.lines_done, source.bytes_read
                            )
            except SourceError as error:
                report.status, report.message = "failed", str(error)
                report.transient = isinstance(error, SourceUnavailable)
                if isinstance(error, SourceOverLimit):
                    report.message += _what_is_kept(writer.counts)
            finally:
                # A batch in flight when the source failed commits without being yielded
                # above: its events are announced here (a repeated notice costs nothing).
                await announce(settings=settings, up_to=writer.last_event_id)
            report.counts, report.seconds = writer.counts, time.monotonic() - started
            await _finish(
                engine,
                settings,
                run_id,
                report.seconds,
                writer.counts,
                status="failed" if report.status == "failed" else "succeeded",
                error=report.message,
                ingestion_id=reserved_run_id,
            )
            return report
    except SourceError as error:
        return FileReport(
            source=path,
            status="failed",
            message=str(error),
            transient=isinstance(error, SourceUnavailable),
        )


def _can_pipeline(engine: AsyncEngine, settings: Settings) -> bool:
    """Two batches in flight: PostgreSQL only (SQLite has one writer), with the two
    connections, and one for the cache's message, in the pool."""
    return engine.dialect.name == "postgresql" and settings.database_pool_size >= 3


async def _claim_run(
    engine: AsyncEngine,
    settings: Settings,
    source: Source,
    *,
    force: bool,
    reserved_run_id: int | None = None,
) -> FileReport | tuple[int, LineCounts, datetime]:
    """The run to carry on (new, or an interrupted one), or a report that the file is done;
    a run carried on is announced as running (its "ingestion" event)."""
    async with write_transaction(engine) as connection:
        claim = await _claimed(connection, source, force=force, reserved_run_id=reserved_run_id)
        if isinstance(claim, FileReport):
            return claim
        last_event_id = await record_ingestion_event(
            connection,
            ingestion_id=reserved_run_id if reserved_run_id is not None else claim[0],
            settings=settings,
        )
    await announce(settings=settings, up_to=last_event_id)
    return claim


async def _claimed(
    connection: AsyncConnection,
    source: Source,
    *,
    force: bool,
    reserved_run_id: int | None,
) -> FileReport | tuple[int, LineCounts, datetime]:
    previous = await repo.latest_run_for_checksum(connection, checksum=source.checksum)
    if previous is not None and previous.status == "succeeded" and not force:
        return FileReport(
            source=source.display_name,
            status="skipped",
            run_id=previous.id,
            # Nothing was read this time: the earlier run's counts are in ingestion N.
            message=f"already ingested (same content) as ingestion {previous.id}; "
            "use --force to process it again",
        )
    if previous is not None and previous.status != "succeeded":
        return previous.id, _counts_of(previous), previous.started_at
    started_at = utcnow()
    run = {
        "source_uri": source.uri,
        "display_name": source.display_name,
        "size_bytes": source.size,
        "checksum": source.checksum,
        "forced": force,
        "started_at": started_at,
    }
    if reserved_run_id is not None:
        await repo.start_reserved_run(connection, run_id=reserved_run_id, **run)
        return reserved_run_id, LineCounts(), started_at
    return await repo.create_run(connection, **run), LineCounts(), started_at


async def _read_ahead(batches: Iterator[ParsedBatch]) -> AsyncIterator[ParsedBatch]:
    """Parse the next batch in a thread while the caller writes the current one.

    The database's work (PostgreSQL's server, SQLite's C code) runs without the GIL, so
    parsing and writing overlap instead of taking turns.
    """
    pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    try:
        while (batch := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
            yield batch
    finally:
        # Never leave the reader thread running past the source's close.
        with contextlib.suppress(BaseException):
            await pending


def _read_batches(
    lines: Iterator[tuple[int, bytes]],
    *,
    start_after: int,
    size: int,
    position: Callable[[], int] = lambda: 0,
) -> Iterator[ParsedBatch]:
    """Parse lines into batches of `size` lines (blank and rejected lines included), each
    with the source's `position()` (bytes read) when its last line had been read."""
    batch = ParsedBatch(last_line=start_after)
    in_batch = 0
    for number, raw in lines:
        result = parse_line(raw)
        if result is None:
            batch.blank += 1
        elif isinstance(result, NormalizedReview):
            problem = storability_problem(result)
            if problem is None:
                batch.reviews.append((number, result))
            else:
                batch.rejections.append((number, problem, raw[:EXCERPT_BYTES]))
        else:
            # Only the excerpt is stored: a batch of long rejected lines stays small.
            batch.rejections.append((number, result, raw[:EXCERPT_BYTES]))
        batch.last_line = number
        in_batch += 1
        if in_batch >= size:
            batch.bytes_read = position()
            yield batch
            batch, in_batch = ParsedBatch(last_line=number), 0
    if in_batch:
        batch.bytes_read = position()
        yield batch


async def _finish(
    engine: AsyncEngine,
    settings: Settings,
    run_id: int,
    seconds: float,
    counts: LineCounts,
    *,
    status: str,
    error: str | None = None,
    ingestion_id: int | None = None,
) -> None:
    """End the run, announcing the ingestion's new status (a queued job's stays running
    until its worker records the outcome: queue.worker)."""
    async with write_transaction(engine) as connection:
        await repo.finish_run(
            connection,
            run_id=run_id,
            status=status,
            finished_at=utcnow(),
            duration_seconds=seconds,
            lines_per_second=counts.lines_done / seconds if seconds > 0 else None,
            error=error,
        )
        last_event_id = await record_ingestion_event(
            connection, ingestion_id=ingestion_id or run_id, settings=settings
        )
    await announce(settings=settings, up_to=last_event_id)


def _what_is_kept(counts: LineCounts) -> str:
    """What a run stopped by a source limit keeps: exactly the batches it committed."""
    if not counts.lines_done:
        return "; nothing of it was ingested"
    return f"; lines 1 to {counts.lines_done:,} are ingested, the rest is not"


def _counts_of(run: Any) -> LineCounts:
    counts = LineCounts(
        lines_done=run.lines_done,
        blank=run.lines_blank,
        new=run.reviews_new,
        updated=run.reviews_updated,
        unchanged=run.reviews_unchanged,
        rejected=run.lines_rejected,
    )
    counts.rejected_by_reason.update(run.rejected_by_reason or {})
    return counts


def _snapshot_date(name: str) -> date | None:
    """The delivery date in a provider file name (agoda_com_2025-04-10.jl), if any."""
    match = _DATE_IN_NAME.search(name)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _batch_attributes(source: Source, run_id: int, batch: ParsedBatch) -> dict[str, Any]:
    """What a batch's span says: its file (no credentials in display names) and its size."""
    return {
        "hotelreviews.ingest.source": source.display_name,
        "hotelreviews.ingest.run_id": run_id,
        "hotelreviews.ingest.lines": len(batch.reviews) + len(batch.rejections) + batch.blank,
        "hotelreviews.ingest.rejected_lines": len(batch.rejections),
        "hotelreviews.ingest.last_line": batch.last_line,
    }
