"""Writing one parsed batch in one transaction, together with the file's progress.

Because the reviews, the summary changes, the standings, the rejected lines, the progress
mark and the batch's events (events.outbox: one "reviews" event per hotel, and one
"ingestion" event with the run's progress) commit together, a process killed at any instant
leaves either all of a batch or none of it, and a re-run resumes right after the last
committed line. On PostgreSQL two batches are in flight at once, on two connections,
committing in file order (see pipeline).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.cache.repository import bump_versions, names_unnamed_provider
from hotelreviews.cache.versions import VersionBump
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import write_transaction
from hotelreviews.events.outbox import DEFAULT_RETENTION, record_events
from hotelreviews.ingestion.shapes.records import HotelRef, ProviderRef, Rejection
from hotelreviews.ingestion.writing import repository as repo
from hotelreviews.ingestion.writing.batch import (
    LineCounts,
    ParsedBatch,
    StoredReview,
    judge,
    latest_versions,
)
from hotelreviews.ingestion.writing.pipeline import (
    Committed,
    InFlight,
    Prepared,
    Signals,
    write_in_order,
)
from hotelreviews.ingestion.writing.progress_events import ingestion_event
from hotelreviews.ingestion.writing.review_events import HotelChanges, reviews_events
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
from hotelreviews.observability.tracing import span

_ATTEMPTS = 3

# Runs in each batch's transaction with (connection, run id, batch), after its reviews are
# written and before anything batches share (summaries, progress): the worker checks there
# that it still holds its job's lease and records progress. Raising rolls the batch back.
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
    # What each batch's trace span says about it (its file, its size).
    describe: Callable[[ParsedBatch], dict[str, Any]] = lambda batch: {}
    # How long the events the batches record are kept (events.outbox prunes older ones).
    events_retention: timedelta = DEFAULT_RETENTION
    # The last event id a committed batch recorded (None: none yet), for the listeners.
    last_event_id: int | None = None
    # The ingestion whose progress the batches are (its "ingestion" event): a queued job's
    # id when its run is an earlier one it resumes; None: the run itself.
    ingestion_id: int | None = None

    async def write_all(
        self, batches: AsyncIterator[ParsedBatch], *, pipelined: bool
    ) -> AsyncIterator[Committed]:
        """Commit the batches in order, yielding each once committed; `pipelined`: two in
        flight on two connections (PostgreSQL; SQLite lets one writer in at a time)."""
        if pipelined:
            async for committed in write_in_order(self, batches):
                yield committed
        else:
            async for batch in batches:
                yield await self.write(batch)

    async def write(self, batch: ParsedBatch) -> Committed:
        """Commit a batch on its own."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await self.write_after(batch, previous=None)
            except Exception as error:
                # Another writer added one of our new reviews between our look-up and our
                # insert (or we deadlocked with one): the transaction is gone, and the
                # redone look-up sees that writer's committed work.
                if attempt == _ATTEMPTS or not repo.is_write_conflict(error):
                    raise
        raise AssertionError("unreachable")

    async def write_after(
        self,
        batch: ParsedBatch,
        *,
        previous: InFlight | None,
        signals: Signals | None = None,
    ) -> Committed:
        """Commit a batch in one transaction, right after `previous` (the batch before it,
        still being written on another connection) commits; one attempt.

        The batch's reviews are written (phase 1) while `previous` finishes; its summaries,
        standings, rejected lines, progress and versions (phase 2) only once `previous` has
        committed, so commits keep file order and a crash still leaves a prefix of the file.
        Phase 1 sees `previous`'s uncommitted work through `previous.prepared`; if `previous`
        fails, this batch rolls back too. `signals` tell the batch after it how far this one
        has got.
        """
        started, before = time.perf_counter(), self.counts
        try:
            with span("ingest batch", self.describe(batch)):
                committed = await self._commit_after(batch, previous, signals)
        except BaseException as error:
            if signals is not None:
                signals.fail(error)
            raise
        record_batch(before, committed.counts, seconds=time.perf_counter() - started)
        return committed

    async def _commit_after(
        self,
        batch: ParsedBatch,
        previous: InFlight | None,
        signals: Signals | None,
    ) -> Committed:
        async with write_transaction(self.engine) as connection:
            basis = None
            if previous is not None:
                basis = await previous.signals.prepared
                if basis.created:
                    # Rows it inserted into providers or hotels are invisible to us until
                    # it commits: our foreign keys would not find them.
                    await previous.done
            prepared, new_rows, changed_rows = await self._prepare(connection, batch, basis)
            if signals is not None:
                # The batch after it can start now: its COPY may overlap ours (their new
                # keys are disjoint: it counts ours as stored).
                signals.prepared.set_result(prepared)
            if previous is None:
                await repo.write_reviews(connection, new_rows=new_rows, changed_rows=changed_rows)
            else:
                await repo.write_reviews(connection, new_rows=new_rows, changed_rows=[])
                # Edits (of reviews the batch before writes, maybe) only after its write, or
                # our upsert would insert a row its COPY then waits for, while we wait for
                # its commit: a deadlock.
                await previous.signals.reviews_written
                await repo.write_reviews(connection, new_rows=[], changed_rows=changed_rows)
            if signals is not None:
                signals.reviews_written.set_result(None)
            if previous is not None:
                await previous.done
            if self.in_transaction is not None:
                await self.in_transaction(connection, self.run_id, batch)
            counts, version, last_event_id = await self._finish(connection, batch, prepared)
        # Only what committed is remembered.
        self.counts = counts
        self.committed = VersionBump(
            version=version,
            hotel_ids=tuple(sorted(prepared.touched)),
            all_hotels=prepared.names_provider,
        )
        self.known.providers.update(prepared.provider_ids)
        self.known.hotels.update(prepared.hotels)
        if last_event_id is not None:
            self.last_event_id = last_event_id
        return Committed(counts=counts, bump=self.committed, last_event_id=last_event_id)

    async def _prepare(
        self, connection: AsyncConnection, batch: ParsedBatch, basis: Prepared | None
    ) -> tuple[Prepared, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Phase 1: providers, hotels, the look-up; the batch's new and changed review rows
        (to write), and everything else it changes as rows (for phase 2)."""
        now = utcnow()
        view = self._known_after(basis)
        provider_ids, names_provider, new_providers = await self._resolve_providers(
            connection, batch, now, view
        )
        hotels, hotel_ids = await self._resolve_hotels(connection, batch, now, view)
        keyed = [
            ((provider_ids[review.provider.key], review.provider_review_id), review)
            for _, review in batch.reviews
        ]
        latest = latest_versions(keyed)
        hotel_of = {key: hotel_ids[review.hotel.external_id] for key, review in latest.items()}
        stored = await repo.stored_versions(connection, keys=list(latest))
        if basis is not None:
            # What the batch before holds, committed or not, is what ours replaces.
            stored.update((key, basis.written[key]) for key in latest if key in basis.written)
        contributions = {
            key: contribution(key=key, review=review, hotel_id=hotel_of[key])
            for key, review in latest.items()
        }
        batch_counts, delta = judge(keyed, stored, contributions)
        new_rows, changed_rows = [], []
        changes: dict[int, HotelChanges] = {}
        for key, review in latest.items():
            before = stored.get(key)
            if before is None or before.content_hash != review.content_hash:
                hotel_id = hotel_of[key]
                row = review_row(
                    key=key, review=review, hotel_id=hotel_id, run_id=self.run_id, now=now
                )
                (new_rows if before is None else changed_rows).append(row)
                change = changes.get(hotel_id)
                if change is None:
                    change = changes[hotel_id] = HotelChanges()
                change.count(key, new=before is None)
        batch_counts.blank = batch.blank
        batch_counts.rejected = len(batch.rejections)
        batch_counts.rejected_by_reason.update(str(r.reason) for _, r, _ in batch.rejections)
        batch_counts.lines_done = batch.last_line
        # The hotels whose pages the batch changes: every hotel it names (reviews,
        # standings, attributes), and those an edited review moves away from.
        touched = set(hotel_ids.values())
        touched.update(before.contribution.hotel_id for before in stored.values())
        prepared = Prepared(
            batch_counts=batch_counts,
            hotel_rows=delta.hotel_rows(),
            breakdown_rows=delta.breakdown_rows(),
            standing_rows=self._standing_rows(batch, provider_ids, hotel_ids),
            touched=touched,
            names_provider=names_provider,
            provider_ids=provider_ids,
            hotels=hotels,
            created=bool(new_providers)
            or any(external_id not in view.hotels for external_id in hotels),
            written={
                key: StoredReview(review.content_hash, contributions[key])
                for key, review in latest.items()
            },
            changes=changes,
        )
        return prepared, new_rows, changed_rows

    async def _finish(
        self, connection: AsyncConnection, batch: ParsedBatch, prepared: Prepared
    ) -> tuple[LineCounts, int, int | None]:
        """Phase 2, once the batch before has committed: everything rows of other batches
        share (summaries, standings, the run's progress, versions, events), the counts, the
        version and the last event id."""
        await repo.apply_summary_delta(
            connection, hotel_rows=prepared.hotel_rows, breakdown_rows=prepared.breakdown_rows
        )
        await repo.upsert_standings(connection, rows=prepared.standing_rows)
        await repo.insert_rejections(
            connection,
            run_id=self.run_id,
            rows=[
                rejection_row(line_number=number, rejection=rejection, raw=raw)
                for number, rejection, raw in self._to_store(batch)
            ],
        )
        counts = replace(self.counts, rejected_by_reason=self.counts.rejected_by_reason.copy())
        counts.add(prepared.batch_counts)
        await repo.save_progress(connection, run_id=self.run_id, counts=counts)
        # Before the locks below: the review ids are read while no other writer waits.
        events = await reviews_events(connection, changes=prepared.changes, run_id=self.run_id)
        progress = await ingestion_event(connection, self.ingestion_id or self.run_id)
        if progress is not None:
            events.append(progress)
        # Last: the version row's lock is held only for the commit.
        version = await bump_versions(
            connection, hotel_ids=prepared.touched, all_hotels=prepared.names_provider
        )
        # After the version row's lock (which every batch takes first, so no deadlock): the
        # events' lock, held for the commit too, keeps their ids in commit order.
        last_event_id = await record_events(
            connection, events=events, retention=self.events_retention
        )
        return counts, version, last_event_id

    def _known_after(self, basis: Prepared | None) -> KnownIds:
        """What the store holds once the batch before commits: committed plus its own."""
        if basis is None:
            return self.known
        return KnownIds(
            providers={**self.known.providers, **basis.provider_ids},
            hotels={**self.known.hotels, **basis.hotels},
        )

    def _to_store(self, batch: ParsedBatch) -> list[tuple[int, Rejection, bytes]]:
        """The batch's rejected lines still to store: the run's first max_stored_rejections,
        counted across batches and resumed runs by the committed count of rejected lines."""
        if self.max_stored_rejections is None:
            return batch.rejections
        room = max(0, self.max_stored_rejections - self.counts.rejected)
        return batch.rejections[:room]

    async def _resolve_providers(
        self, connection: AsyncConnection, batch: ParsedBatch, now: datetime, view: KnownIds
    ) -> tuple[dict[str, int], bool, dict[str, int]]:
        """Provider ids by key, whether the upsert names a provider stored without one, and
        the ids of providers `view` did not know."""
        refs: dict[str, ProviderRef] = {}
        for _, review in batch.reviews:
            refs[review.provider.key] = review.provider
            for standing in review.standings:
                refs.setdefault(standing.provider.key, standing.provider)
        missing = [ref for key, ref in refs.items() if key not in view.providers]
        names_provider = await names_unnamed_provider(
            connection, keys=[ref.key for ref in missing if ref.name is not None]
        )
        added = await repo.upsert_providers(connection, refs=missing, now=now)
        return {**view.providers, **added}, names_provider, added

    async def _resolve_hotels(
        self, connection: AsyncConnection, batch: ParsedBatch, now: datetime, view: KnownIds
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
            known = view.hotels.get(external_id)
            if known is None or merge_hotel(known[1], ref) != known[1]:
                changed.append(ref)
        new_ids = await repo.upsert_hotels(connection, refs=changed, now=now)
        hotels = {
            ref.external_id: (
                new_ids[ref.external_id],
                merge_hotel(view.hotels.get(ref.external_id, (0, None))[1], ref),
            )
            for ref in changed
        }
        ids = {
            external_id: view.hotels[external_id][0]
            for external_id in seen
            if external_id in view.hotels
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
