"""Writing a file's batches two at a time on two connections, committing them in file order.

One writer on one connection leaves PostgreSQL idle while Python builds the next statement,
and Python idle while PostgreSQL indexes a COPY. Here batch N+1's first phase (providers,
hotels, the look-up, building the review rows, then their COPY) runs on a second connection
as soon as batch N's rows are built: while N's COPY runs, and then N's second phase
(summaries, standings, progress, versions, commit). Python and two PostgreSQL backends
work at once.

The guarantees stay those of one batch at a time:
- commits in file order: N+1's second phase starts only after N has committed, so a crash
  leaves a prefix of the file, and the committed progress mark says where it ends;
- N+1 judges its lines against N's versions (committed or not: `Prepared.written`), so
  counts and summary deltas are those of a sequential run; its new keys are then disjoint
  from N's, and it upserts its edits of reviews N writes only after N has written them (else
  its upsert would insert a row N's COPY then waits for, while N+1 waits for N's commit);
- N+1 waits for N's commit before its first phase when N created providers or hotels (their
  rows are invisible to N+1's foreign keys until then);
- N failing rolls N+1 back; a conflict with another writer redoes both, one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hotelreviews.cache.versions import VersionBump
from hotelreviews.ingestion.shapes.records import HotelRef
from hotelreviews.ingestion.writing import repository as repo
from hotelreviews.ingestion.writing.batch import LineCounts, ParsedBatch, ReviewKey, StoredReview
from hotelreviews.ingestion.writing.review_events import HotelChanges

if TYPE_CHECKING:
    from hotelreviews.ingestion.writing.writer import BatchWriter


class BatchAbandoned(Exception):
    """The batch before this one was stopped (cancelled) before it committed."""


@dataclass(slots=True)
class Prepared:
    """A batch after its first phase: reviews written, the rest computed, nothing committed."""

    batch_counts: LineCounts
    hotel_rows: list[dict[str, Any]]
    breakdown_rows: list[dict[str, Any]]
    standing_rows: list[dict[str, Any]]
    touched: set[int]
    names_provider: bool
    provider_ids: dict[str, int]
    hotels: dict[str, tuple[int, HotelRef]]
    # Whether it inserted providers or hotels (or may have: ones no earlier batch wrote).
    created: bool
    # The version of each review the batch leaves in the store.
    written: dict[ReviewKey, StoredReview]
    # The hotels whose reviews it adds or edits, with counts (its "reviews" events).
    changes: dict[int, HotelChanges]


@dataclass(frozen=True, slots=True)
class Committed:
    """A committed batch: the file's counts after it, and what it changed for the caches."""

    counts: LineCounts
    bump: VersionBump
    # The last event id it recorded (events.outbox), for the listeners; None: no event.
    last_event_id: int | None = None


@dataclass(slots=True)
class Signals:
    """What a batch in flight tells the batch after it, as soon as it knows."""

    # Its first phase's outcome, once its rows are built (before its COPY).
    prepared: asyncio.Future[Prepared]
    # Set once its reviews are written (COPY and upsert done, not committed).
    reviews_written: asyncio.Future[None]

    @classmethod
    def new(cls) -> Signals:
        loop = asyncio.get_running_loop()
        signals = cls(prepared=loop.create_future(), reviews_written=loop.create_future())
        for future in (signals.prepared, signals.reviews_written):
            # Read only by the batch after it, which may not come: no unretrieved exception.
            future.add_done_callback(lambda done: done.cancelled() or done.exception())
        return signals

    def fail(self, error: BaseException) -> None:
        """Tell the batch after that this one will not commit."""
        reason = error if isinstance(error, Exception) else BatchAbandoned()
        for future in (self.prepared, self.reviews_written):
            if not future.done():
                future.set_exception(reason)


@dataclass(slots=True)
class InFlight:
    """A batch being written: what it tells the batch after, and its commit."""

    batch: ParsedBatch
    signals: Signals
    done: asyncio.Task[Committed]


async def write_in_order(
    writer: BatchWriter, batches: AsyncIterator[ParsedBatch]
) -> AsyncIterator[Committed]:
    """Write the batches, two in flight at a time; yields each one once it has committed."""
    flight: InFlight | None = None
    try:
        async for batch in batches:
            launched = _launch(writer, batch, after=flight)
            if flight is not None:
                try:
                    committed = await flight.done
                except Exception as error:
                    # The batch after it cannot commit either: redo both, one at a time.
                    await _settle(launched)
                    if not repo.is_write_conflict(error):
                        raise
                    yield await writer.write(flight.batch)
                    launched, flight = None, None
                    yield await writer.write(batch)
                    continue
                yield committed
            flight = launched
        if flight is not None:
            last, flight = flight, None
            yield await _land(writer, last)
    except Exception:
        # The source failed (or a batch did): the batch in flight commits if it can, so the
        # run's counts are exactly what is stored.
        if flight is not None:
            await _settle(flight)
        raise
    except BaseException:
        if flight is not None:
            flight.done.cancel()
            await _settle(flight)
        raise


def _launch(writer: BatchWriter, batch: ParsedBatch, *, after: InFlight | None) -> InFlight:
    signals = Signals.new()
    done = asyncio.create_task(writer.write_after(batch, previous=after, signals=signals))
    return InFlight(batch=batch, signals=signals, done=done)


async def _land(writer: BatchWriter, flight: InFlight) -> Committed:
    """The last batch's commit; redone on its own after a conflict with another writer."""
    try:
        return await flight.done
    except Exception as error:
        if not repo.is_write_conflict(error):
            raise
        return await writer.write(flight.batch)


async def _settle(flight: InFlight) -> None:
    """Wait for a batch in flight to commit or fail, whichever: its outcome is not ours."""
    with contextlib.suppress(BaseException):
        await flight.done
