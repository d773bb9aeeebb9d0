"""Writing one parsed batch in one transaction, together with the file's progress.

Because the reviews, the summary changes, the standings, the rejected lines and the progress
mark commit together, a process killed at any instant leaves either all of a batch or none
of it, and a re-run resumes right after the last committed line.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.cache.repository import bump_versions, names_unnamed_provider
from hotelreviews.cache.versions import VersionBump
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import write_transaction
from hotelreviews.ingestion.shapes.records import HotelRef, ProviderRef, Rejection
from hotelreviews.ingestion.writing import repository as repo
from hotelreviews.ingestion.writing.batch import LineCounts, ParsedBatch, judge, latest_versions
from hotelreviews.ingestion.writing.rows import (
    clean_hotel,
    contribution,
    merge_hotel,
    rejection_row,
    review_row,
    standing_row,
)
from hotelreviews.observability.metrics import (
    INGEST_BATCH_DURATION,
    INGEST_LINES,
    INGEST_REJECTED_LINES,
)

_ATTEMPTS = 3

# Runs first in each batch's transaction with (connection, run id, batch): the worker checks
# there that it still holds its job's lease and records progress. Raising rolls the batch back.
BatchHook = Callable[[AsyncConnection, int, ParsedBatch], Awaitable[None]]


@dataclass(slots=True)
class KnownIds:
    """Providers and hotels already written by this process, with what the store holds.

    Shared by the files of one ingestion so each hotel is upserted once, not once per file;
    only committed state goes in. Another process editing the same hotel meanwhile is not
    seen, so keep one of these per job, not per process lifetime.
    """

    providers: dict[str, int] = field(default_factory=dict)
    hotels: dict[str, tuple[int, HotelRef]] = field(default_factory=dict)


@dataclass(slots=True)
class BatchWriter:
    """Writes the batches of one ingestion run."""

    engine: AsyncEngine
    run_id: int
    standings_as_of: date
    counts: LineCounts
    known: KnownIds = field(default_factory=KnownIds)
    # What the last committed batch changed, for the cache's invalidation message.
    committed: VersionBump | None = None
    in_transaction: BatchHook | None = None
    # Rejected lines stored (with their excerpts) per run: the first ones; those after are
    # counted but not stored, so a file of bad lines costs the store a bounded number of rows.
    max_stored_rejections: int | None = None

    async def write(self, batch: ParsedBatch) -> LineCounts:
        """Commit a batch; returns the file's counts so far."""
        started, before = time.perf_counter(), self.counts
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                counts = await self._write_once(batch)
            except Exception as error:
                # Another writer added one of our new reviews between our look-up and our
                # insert (or we deadlocked with one): the transaction is gone, and the
                # redone look-up sees that writer's committed work.
                if attempt == _ATTEMPTS or not repo.is_write_conflict(error):
                    raise
                continue
            record_batch(before, counts, seconds=time.perf_counter() - started)
            return counts
        raise AssertionError("unreachable")

    async def _write_once(self, batch: ParsedBatch) -> LineCounts:
        now = utcnow()
        async with write_transaction(self.engine) as connection:
            if self.in_transaction is not None:
                await self.in_transaction(connection, self.run_id, batch)
            provider_ids, names_provider = await self._resolve_providers(connection, batch, now)
            hotels, hotel_ids = await self._resolve_hotels(connection, batch, now)

            keyed = [
                ((provider_ids[review.provider.key], review.provider_review_id), review)
                for _, review in batch.reviews
            ]
            latest = latest_versions(keyed)
            hotel_of = {key: hotel_ids[review.hotel.external_id] for key, review in latest.items()}
            stored = await repo.stored_versions(connection, keys=list(latest))
            contributions = {
                key: contribution(key=key, review=review, hotel_id=hotel_of[key])
                for key, review in latest.items()
            }
            batch_counts, delta = judge(keyed, stored, contributions)
            new_rows, changed_rows = [], []
            for key, review in latest.items():
                before = stored.get(key)
                if before is None or before.content_hash != review.content_hash:
                    row = review_row(
                        key=key, review=review, hotel_id=hotel_of[key], run_id=self.run_id, now=now
                    )
                    (new_rows if before is None else changed_rows).append(row)
            await repo.write_reviews(connection, new_rows=new_rows, changed_rows=changed_rows)
            await repo.apply_summary_delta(
                connection, hotel_rows=delta.hotel_rows(), breakdown_rows=delta.breakdown_rows()
            )
            await repo.upsert_standings(
                connection, rows=self._standing_rows(batch, provider_ids, hotel_ids)
            )
            await repo.insert_rejections(
                connection,
                run_id=self.run_id,
                rows=[
                    rejection_row(line_number=number, rejection=rejection, raw=raw)
                    for number, rejection, raw in self._to_store(batch)
                ],
            )
            batch_counts.blank = batch.blank
            batch_counts.rejected = len(batch.rejections)
            batch_counts.rejected_by_reason.update(str(r.reason) for _, r, _ in batch.rejections)
            batch_counts.lines_done = batch.last_line
            counts = replace(self.counts, rejected_by_reason=self.counts.rejected_by_reason.copy())
            counts.add(batch_counts)
            await repo.save_progress(connection, run_id=self.run_id, counts=counts)
            # The hotels whose pages the batch changes: every hotel it names (reviews,
            # standings, attributes), and those an edited review moves away from.
            touched = set(hotel_ids.values())
            touched.update(before.contribution.hotel_id for before in stored.values())
            # Last: the version row's lock is held only for the commit.
            version = await bump_versions(connection, hotel_ids=touched, all_hotels=names_provider)
        # Only what committed is remembered.
        self.counts = counts
        self.committed = VersionBump(
            version=version, hotel_ids=tuple(sorted(touched)), all_hotels=names_provider
        )
        self.known.providers.update(provider_ids)
        self.known.hotels.update(hotels)
        return counts

    def _to_store(self, batch: ParsedBatch) -> list[tuple[int, Rejection, bytes]]:
        """The batch's rejected lines still to store: the run's first max_stored_rejections,
        counted across batches and resumed runs by the committed count of rejected lines."""
        if self.max_stored_rejections is None:
            return batch.rejections
        room = max(0, self.max_stored_rejections - self.counts.rejected)
        return batch.rejections[:room]

    async def _resolve_providers(
        self, connection: AsyncConnection, batch: ParsedBatch, now: datetime
    ) -> tuple[dict[str, int], bool]:
        """Provider ids by key, and whether the upsert names a provider stored without one."""
        refs: dict[str, ProviderRef] = {}
        for _, review in batch.reviews:
            refs[review.provider.key] = review.provider
            for standing in review.standings:
                refs.setdefault(standing.provider.key, standing.provider)
        missing = [ref for key, ref in refs.items() if key not in self.known.providers]
        names_provider = await names_unnamed_provider(
            connection, keys=[ref.key for ref in missing if ref.name is not None]
        )
        resolved = dict(self.known.providers)
        resolved.update(await repo.upsert_providers(connection, refs=missing, now=now))
        return resolved, names_provider

    async def _resolve_hotels(
        self, connection: AsyncConnection, batch: ParsedBatch, now: datetime
    ) -> tuple[dict[str, tuple[int, HotelRef]], dict[str, int]]:
        seen: dict[str, HotelRef] = {}
        for _, review in batch.reviews:
            ref = review.hotel
            previous = seen.get(ref.external_id)
            # Most lines of a file repeat the same hotel: merge only what differs.
            if previous != ref:
                seen[ref.external_id] = merge_hotel(previous, clean_hotel(ref))
        changed: list[HotelRef] = []
        for external_id, ref in seen.items():
            known = self.known.hotels.get(external_id)
            if known is None or merge_hotel(known[1], ref) != known[1]:
                changed.append(ref)
        new_ids = await repo.upsert_hotels(connection, refs=changed, now=now)
        hotels = {
            ref.external_id: (
                new_ids[ref.external_id],
                merge_hotel(self.known.hotels.get(ref.external_id, (0, None))[1], ref),
            )
            for ref in changed
        }
        ids = {
            external_id: self.known.hotels[external_id][0]
            for external_id in seen
            if external_id in self.known.hotels
        }
        ids.update({external_id: hotel_id for external_id, (hotel_id, _) in hotels.items()})
        return hotels, ids

    def _standing_rows(
        self, batch: ParsedBatch, provider_ids: dict[str, int], hotel_ids: dict[str, int]
    ) -> list[dict[str, Any]]:
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        for _, review in batch.reviews:
            hotel_id = hotel_ids[review.hotel.external_id]
            for standing in review.standings:
                provider_id = provider_ids[standing.provider.key]
                rows[hotel_id, provider_id] = standing_row(
                    hotel_id=hotel_id,
                    provider_id=provider_id,
                    as_of=self.standings_as_of,
                    score=standing.score,
                    review_count=standing.review_count,
                    grades=standing.grades,
                )
        return [rows[key] for key in sorted(rows)]


_STORED = INGEST_LINES.labels(outcome="stored")
_UNCHANGED = INGEST_LINES.labels(outcome="unchanged")
_REJECTED = INGEST_LINES.labels(outcome="rejected")
_BLANK = INGEST_LINES.labels(outcome="blank")


def record_batch(before: LineCounts, after: LineCounts, *, seconds: float) -> None:
    """Count a committed batch's lines (what its commit added to the file's counts)."""
    _STORED.inc((after.new - before.new) + (after.updated - before.updated))
    _UNCHANGED.inc(after.unchanged - before.unchanged)
    _REJECTED.inc(after.rejected - before.rejected)
    _BLANK.inc(after.blank - before.blank)
    for reason, count in after.rejected_by_reason.items():
        added = count - before.rejected_by_reason.get(reason, 0)
        if added:
            # reason: one of the fixed codes of ingestion.shapes.records.RejectReason.
            INGEST_REJECTED_LINES.labels(reason=reason).inc(added)
    INGEST_BATCH_DURATION.observe(seconds)
