"""Recording events in the transaction of the data they announce (the transactional outbox).

An event recorded here exists if and only if the caller's transaction commits: a batch that
rolls back leaves no event, and no event announces data a reader cannot see yet. Telling the
listeners is a separate step, after the commit (events.notify): a notice lost on the way
delays an event (the readers' poll finds it) but never loses it.

Call `record_events` last in the transaction, just before the commit: on PostgreSQL it takes
the lock that keeps event ids in commit order (events.repository.insert), held until the
commit, and nothing the transaction does after it should wait on other writers meanwhile.

Retention: whoever records events also prunes the old ones, at most once a minute per process
and at most PRUNE_ROWS rows each time, in the same transaction: no scheduler to run, and a
delete too small to be felt. A process writing faster than PRUNE_ROWS events a minute keeps
more than the retention, never less.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.clock import utcnow
from hotelreviews.events import repository as repo

EventKind = Literal["reviews", "alert", "ingestion"]
DEFAULT_RETENTION = timedelta(days=7)
PRUNE_EVERY_SECONDS = 60.0
PRUNE_ROWS = 1000


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record: what happened (`kind`), to which hotel (None: an ingestion
    event, about none), with what details, and whose subject it is about (`owner`: an
    Identity.key; ingestion events: who queued the ingestion, so that only they and the
    roles that see every ingestion get it)."""

    kind: EventKind
    hotel_id: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None  # None: now
    owner: str | None = None


@dataclass(slots=True)
class _PruneClock:
    """When this process last pruned (monotonic seconds; None: never)."""

    last: float | None = None

    def due(self, now: float) -> bool:
        return self.last is None or now - self.last >= PRUNE_EVERY_SECONDS


_prune_clock = _PruneClock()


async def record_events(
    connection: AsyncConnection,
    *,
    events: Sequence[NewEvent],
    retention: timedelta = DEFAULT_RETENTION,
) -> int | None:
    """Insert the events in the caller's transaction; the last id recorded (None for none).

    Tell the listeners with events.notify.announce once the transaction has committed.
    """
    if not events:
        return None
    now = utcnow()
    last = await repo.insert(
        connection,
        [
            {
                "occurred_at": event.occurred_at or now,
                "kind": event.kind,
                "hotel_id": event.hotel_id,
                "payload": event.payload,
                "owner": event.owner,
            }
            for event in events
        ],
    )
    clock = time.monotonic()
    if _prune_clock.due(clock):
        _prune_clock.last = clock
        await repo.prune(connection, before=now - retention, limit=PRUNE_ROWS)
    return last
