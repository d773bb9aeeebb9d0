"""Follow the outbox: apply every "reviews" event after the stored cursor, a bounded batch of
events per transaction, the cursor moved in the transaction of the batch's effects.

Each transaction: read the cursor (row-locked on PostgreSQL, so concurrent runners take turns;
SQLite has one writer anyway), read up to `limit` events after it, and for the hotels their
"reviews" events name: analyse the reviews that need it (intelligence.runner.analysis),
recompute each hotel's reputation and its set's ranks (scoring), detect and store alerts
(alerting); then save the cursor, bump the changed hotels' cache versions and record the
"alert" events — in that order, the writers' order (version row, then events' lock), so no
deadlock with ingestion. Commit, then announce the alert events.

A crash anywhere before the commit leaves the cursor and every effect as they were; a re-run
recomputes the same hotels from the same reviews to the same state (every step is a
recomputation or an insert-once, never an increment).

Resynchronisation: when the runner never ran, or its cursor is older than the oldest event
kept (events are pruned after their retention, and the runner may have been off longer), it
cannot know which hotels changed: it recomputes every hotel, `limit` hotels per transaction,
and only then stores the cursor (the last event id seen before it began).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.cache.repository import bump_versions
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.events import repository as events_repo
from hotelreviews.events.notify import announce
from hotelreviews.events.outbox import NewEvent, record_events
from hotelreviews.intelligence.runner import repository as repo
from hotelreviews.intelligence.runner.alerting import alert_hotel
from hotelreviews.intelligence.runner.analysis import analyse_hotels
from hotelreviews.intelligence.runner.scoring import place_of, rank_sets, score_hotels

DEFAULT_LIMIT = 200
# Called in each batch's transaction before the cursor is saved (tests: a crash there).
BatchHook = Callable[[AsyncConnection], Awaitable[None]]


@dataclass(slots=True)
class CatchUpReport:
    """What a catch-up did: events read, hotels recomputed, reviews analysed, alerts raised."""

    events: int = 0
    hotels: int = 0
    analysed: int = 0
    alerts: int = 0
    transactions: int = 0
    resynchronised: bool = False
    last_event_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Applied:
    analysed: int
    alert_events: list[NewEvent]
    changed: set[int]


async def _apply_hotels(
    connection: AsyncConnection, *, hotel_ids: Collection[int], now: datetime, rebuild: bool
) -> _Applied:
    """Analyse, score and alert the hotels (those that exist) in the caller's transaction;
    `rebuild`: their states from their whole history (resynchronising)."""
    places = {
        row.id: place_of(city=row.city, stars=row.stars)
        for row in await repo.hotel_places(connection, hotel_ids=hotel_ids)
    }
    if not places:
        return _Applied(0, [], set())
    analysed = await analyse_hotels(connection, hotel_ids=list(places), now=now)
    states = await score_hotels(
        connection, places=places, analysed=analysed, rebuild=rebuild, now=now
    )
    alert_events: list[NewEvent] = []
    for hotel_id, state in sorted(states.items()):
        alert_events += await alert_hotel(
            connection, hotel_id=hotel_id, state=state, today=now.date()
        )
    changed = set(places) | await rank_sets(connection, places=places)
    return _Applied(analysed.count, alert_events, changed)


async def _finish(
    connection: AsyncConnection,
    *,
    applied: _Applied,
    cursor: int | None,
    now: datetime,
    settings: Settings,
) -> int | None:
    """Save the cursor, bump the changed hotels' versions, record the alert events (last:
    their lock is held to the commit); the last event id recorded."""
    if cursor is not None:
        await repo.save_cursor(connection, last_event_id=cursor, now=now)
    if applied.changed:
        await bump_versions(connection, hotel_ids=applied.changed)
    return await record_events(
        connection,
        events=applied.alert_events,
        retention=timedelta(hours=settings.events_retention_hours),
    )


async def _step(
    *,
    engine: AsyncEngine,
    settings: Settings,
    limit: int,
    report: CatchUpReport,
    in_batch: BatchHook | None,
) -> bool:
    """One batch of events in one transaction; False when there was nothing to do."""
    now = utcnow()
    async with write_transaction(engine) as connection:
        cursor = await repo.read_cursor(connection)
        oldest = await repo.oldest_event_id(connection)
        if cursor is None or (oldest is not None and oldest > cursor + 1):
            resync = True
        else:
            resync = False
            rows = await repo.events_after(connection, after=cursor, limit=limit)
            if not rows:
                report.last_event_id = cursor
                return False
            hotel_ids = {row.hotel_id for row in rows if row.kind == "reviews"}
            applied = await _apply_hotels(connection, hotel_ids=hotel_ids, now=now, rebuild=False)
            if in_batch is not None:
                await in_batch(connection)
            last_alert_event = await _finish(
                connection, applied=applied, cursor=rows[-1].id, now=now, settings=settings
            )
    if resync:
        await _resynchronise(engine=engine, settings=settings, limit=limit, report=report)
        return True
    await announce(settings=settings, up_to=last_alert_event)
    report.events += len(rows)
    report.hotels += len(hotel_ids)
    report.analysed += applied.analysed
    report.alerts += len(applied.alert_events)
    report.transactions += 1
    report.last_event_id = rows[-1].id
    return True


async def _resynchronise(
    *, engine: AsyncEngine, settings: Settings, limit: int, report: CatchUpReport
) -> None:
    """Recompute every hotel, `limit` per transaction; then store the cursor it began at."""
    async with write_transaction(engine) as connection:
        target = await events_repo.last_id(connection)
    after = 0
    while True:
        now = utcnow()
        async with write_transaction(engine) as connection:
            hotel_ids = await repo.hotel_ids_after(connection, after=after, limit=limit)
            applied = await _apply_hotels(connection, hotel_ids=hotel_ids, now=now, rebuild=True)
            last = hotel_ids and len(hotel_ids) < limit
            done = not hotel_ids or last
            last_alert_event = await _finish(
                connection,
                applied=applied,
                cursor=target if done else None,
                now=now,
                settings=settings,
            )
        await announce(settings=settings, up_to=last_alert_event)
        report.hotels += len(hotel_ids)
        report.analysed += applied.analysed
        report.alerts += len(applied.alert_events)
        report.transactions += 1
        if done:
            break
        after = hotel_ids[-1]
    report.resynchronised = True
    report.last_event_id = target


async def catch_up(
    *,
    engine: AsyncEngine,
    settings: Settings,
    limit: int = DEFAULT_LIMIT,
    in_batch: BatchHook | None = None,
) -> CatchUpReport:
    """Apply every event after the cursor, `limit` events per transaction, until none is
    left; what was done."""
    report = CatchUpReport()
    while await _step(
        engine=engine, settings=settings, limit=limit, report=report, in_batch=in_batch
    ):
        pass
    return report
