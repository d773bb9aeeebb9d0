"""Follow the outbox: apply every "reviews" event after the stored cursor, up to `limit` events
per step, the cursor moved in the transaction of the step's effects.

Each step has two phases. The plan reads only, without a write lock (SQLite's ingestion goes
on meanwhile): the cursor, up to `limit` events after it, and for the hotels their "reviews"
events name, the reviews to analyse (intelligence.runner.analysis), the reviews to judge
against the stored duplicate index (duplicates), the new states, scores and set ranks
(scoring), the alerts of new problems (alerting) and of duplicate bursts, the recommendations'
inputs (tastes). The write is one short transaction: take the runners' turn (an advisory lock
on PostgreSQL), re-read the cursor and give the plan up if another runner moved it; else store
the opinions, duplicate judgements, reputations, ranks, tastes and alerts, save the cursor,
bump the changed hotels' cache versions and record the "alert" events — in that order, the
writers' order (version row, then the events' lock), so no deadlock with ingestion. Commit,
then announce the alert events.

A crash anywhere before the commit leaves the cursor and every effect as they were; a re-run
plans the same hotels from the same stored rows to the same state (every write is a
replacement or an insert-once, never an increment). Reviews committed between the plan and
the write have newer events: the next step takes them.

Resynchronisation: when the runner never ran, or its cursor is older than the oldest event
kept (events are pruned after their retention, and the runner may have been off longer), it
cannot know which hotels changed: it recomputes every hotel, `limit` hotels per transaction,
and only then stores the cursor (the last event id seen before it began). Each of its chunks
is planned and written in one transaction: a rare path, kept simple.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.cache.repository import bump_versions
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.events import repository as events_repo
from hotelreviews.events.notify import announce
from hotelreviews.events.outbox import record_events
from hotelreviews.intelligence.alerts.service import NewAlert
from hotelreviews.intelligence.runner import repository as repo
from hotelreviews.intelligence.runner.alerting import detect_hotel, store_alerts
from hotelreviews.intelligence.runner.analysis import Analysed, analyse_hotels
from hotelreviews.intelligence.runner.day_series import DayMemory, HotelDays
from hotelreviews.intelligence.runner.duplicates import Judged, judge_hotels, store_judged
from hotelreviews.intelligence.runner.scoring import Scored, place_of, score_hotels, store_scores
from hotelreviews.intelligence.runner.tastes import plan_tastes, store_tastes

DEFAULT_LIMIT = 2000
# Called in each batch's transaction after its writes, before the commit (tests: a crash).
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
class _Plan:
    """Everything a batch writes, computed from reads alone."""

    analysed: Analysed
    judged: Judged
    scored: Scored
    raised: list[NewAlert]
    tastes: list[dict[str, Any]]
    summed: dict[int, HotelDays]  # the touched hotels' day sums, for the memory after commit


async def _plan(
    connection: AsyncConnection,
    *,
    hotel_ids: Collection[int],
    now: datetime,
    rebuild: bool,
    memory: DayMemory | None,
    cursor: int | None,
) -> _Plan:
    """Analyse, score and detect for the hotels (those that exist), reading only; `rebuild`:
    their states and alerts from their whole history (resynchronising). `memory`: the day
    sums the runner holds, if valid at `cursor` (day_series)."""
    places = {
        row.id: place_of(city=row.city, stars=row.stars)
        for row in await repo.hotel_places(connection, hotel_ids=hotel_ids)
    }
    analysed = await analyse_hotels(connection, hotel_ids=list(places), now=now)
    judged = await judge_hotels(connection, hotel_ids=list(places), now=now)
    scored = await score_hotels(
        connection, places=places, analysed=analysed, judged=judged, rebuild=rebuild, now=now
    )
    raised: list[NewAlert] = []
    summed: dict[int, HotelDays] = {}
    for hotel_id, state in sorted(scored.states.items()):
        raised += await detect_hotel(
            connection,
            hotel_id=hotel_id,
            state=state,
            analysed=analysed,
            today=now.date(),
            replay=rebuild,  # resynchronising: alerts over the whole history (alerting.py)
            # A rebuilt state may count reviews the remembered sums and this step's analysis
            # have not seen (committed after it read): its day sums are read again too.
            memory=None if hotel_id in scored.rebuilt else memory,
            cursor=cursor,
            summed=summed,
        )
    tastes = await plan_tastes(
        connection, hotel_ids=list(places), analysed=analysed, rebuild=rebuild, now=now
    )
    return _Plan(
        analysed=analysed,
        judged=judged,
        scored=scored,
        raised=raised + judged.raised,
        tastes=tastes,
        summed=summed,
    )


async def _write(
    connection: AsyncConnection,
    *,
    plan: _Plan,
    cursor: int | None,
    now: datetime,
    settings: Settings,
) -> tuple[int | None, int]:
    """Store the plan, save the cursor, bump the changed hotels' versions, record the alert
    events (last: their lock is held to the commit); (the last event id recorded, the
    number of alerts stored)."""
    await repo.store_opinions(connection, rows=plan.analysed.rows)
    await store_judged(connection, judged=plan.judged)
    await store_scores(connection, scored=plan.scored)
    await store_tastes(connection, rows=plan.tastes)
    alert_events = await store_alerts(connection, raised=plan.raised)
    if cursor is not None:
        await repo.save_cursor(connection, last_event_id=cursor, now=now)
    # A hotel whose reviews' flags changed shows them on its review pages.
    changed = plan.scored.changed | plan.judged.flagged_hotels
    if changed:
        await bump_versions(connection, hotel_ids=changed)
    last = await record_events(
        connection,
        events=alert_events,
        retention=timedelta(hours=settings.events_retention_hours),
    )
    return last, len(alert_events)


async def _step(
    *,
    engine: AsyncEngine,
    settings: Settings,
    limit: int,
    report: CatchUpReport,
    in_batch: BatchHook | None,
    memory: DayMemory,
) -> bool:
    """One batch of events: planned from reads (no write lock held: ingestion goes on), then
    written in one short transaction if the cursor has not moved meanwhile. False when there
    was nothing to do."""
    now = utcnow()
    async with read_transaction(engine) as connection:
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
            plan = await _plan(
                connection,
                hotel_ids=hotel_ids,
                now=now,
                rebuild=False,
                memory=memory,
                cursor=cursor,
            )
    if resync:
        memory.forget()
        await _resynchronise(engine=engine, settings=settings, limit=limit, report=report)
        return True
    async with write_transaction(engine) as connection:
        await repo.take_turn(connection)
        # Another runner applied these events meanwhile: plan again from where it left off.
        if await repo.read_cursor(connection) != cursor:
            return True
        last_alert_event, alerts = await _write(
            connection, plan=plan, cursor=rows[-1].id, now=now, settings=settings
        )
        if in_batch is not None:
            await in_batch(connection)
    memory.remember(plan.summed, planned_at=cursor, cursor=rows[-1].id)
    await announce(settings=settings, up_to=last_alert_event)
    report.events += len(rows)
    report.hotels += len(plan.scored.states)
    report.analysed += plan.analysed.count
    report.alerts += alerts
    report.transactions += 1
    report.last_event_id = rows[-1].id
    return True


async def _resynchronise(
    *, engine: AsyncEngine, settings: Settings, limit: int, report: CatchUpReport
) -> None:
    """Recompute every hotel, `limit` per transaction; then store the cursor it began at.
    (Planned and written in one transaction each: a rare path, kept simple.)"""
    async with read_transaction(engine) as connection:
        target = await events_repo.last_id(connection)
    after = 0
    while True:
        now = utcnow()
        async with write_transaction(engine) as connection:
            await repo.take_turn(connection)
            hotel_ids = await repo.hotel_ids_after(connection, after=after, limit=limit)
            plan = await _plan(
                connection,
                hotel_ids=hotel_ids,
                now=now,
                rebuild=True,
                memory=None,  # resynchronising: every hotel read whole (replay)
                cursor=None,
            )
            done = len(hotel_ids) < limit
            last_alert_event, alerts = await _write(
                connection,
                plan=plan,
                cursor=target if done else None,
                now=now,
                settings=settings,
            )
        await announce(settings=settings, up_to=last_alert_event)
        report.hotels += len(plan.scored.states)
        report.analysed += plan.analysed.count
        report.alerts += alerts
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
    memory: DayMemory | None = None,
) -> CatchUpReport:
    """Apply every event after the cursor, `limit` events per transaction, until none is
    left; what was done. `memory`: day sums kept from one call to the next by a long-lived
    runner (day_series; by default, kept for this call only)."""
    report = CatchUpReport()
    memory = memory if memory is not None else DayMemory()
    while await _step(
        engine=engine,
        settings=settings,
        limit=limit,
        report=report,
        in_batch=in_batch,
        memory=memory,
    ):
        pass
    return report
