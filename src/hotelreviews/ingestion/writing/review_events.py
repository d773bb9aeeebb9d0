"""The "reviews" events of a batch: one per hotel that got new or updated reviews.

Counted per review, not per line (a review on two lines of a batch is one review), against
what the store holds before the batch (with the batch before's uncommitted versions when
pipelined, as the line counts are), so that a sequential run and a pipelined one record the
same events. Each names up to LATEST_IDS of the hotel's reviews the batch wrote (the last
ones in file order), by their ids in `reviews`, read in the batch's own transaction, where
its new rows are visible.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.events.outbox import NewEvent
from hotelreviews.ingestion.writing.batch import ReviewKey
from hotelreviews.reviews.tables import reviews

LATEST_IDS = 20


@dataclass(slots=True)
class HotelChanges:
    """What a batch does to one hotel's reviews."""

    new: int = 0
    updated: int = 0
    latest: deque[ReviewKey] = field(default_factory=lambda: deque(maxlen=LATEST_IDS))

    def count(self, key: ReviewKey, *, new: bool) -> None:
        if new:
            self.new += 1
        else:
            self.updated += 1
        self.latest.append(key)


async def reviews_events(
    connection: AsyncConnection, *, changes: dict[int, HotelChanges], run_id: int
) -> list[NewEvent]:
    """The batch's events, by hotel id; one indexed look-up for every hotel's review ids."""
    if not changes:
        return []
    ids = await _review_ids(
        connection, keys=[key for change in changes.values() for key in change.latest]
    )
    return [
        NewEvent(
            kind="reviews",
            hotel_id=hotel_id,
            payload={
                "new": change.new,
                "updated": change.updated,
                "latest_review_ids": [ids[key] for key in change.latest if key in ids],
                "ingestion_id": run_id,
            },
        )
        for hotel_id, change in sorted(changes.items())
    ]


async def _review_ids(
    connection: AsyncConnection, *, keys: Iterable[ReviewKey]
) -> dict[ReviewKey, int]:
    wanted = sorted(set(keys))
    r = reviews.c
    statement = sa.select(r.provider_id, r.provider_review_id, r.id).where(
        sa.tuple_(r.provider_id, r.provider_review_id).in_(wanted)
    )
    rows = await connection.execute(statement)
    return {(provider_id, review_id): id_ for provider_id, review_id, id_ in rows}
