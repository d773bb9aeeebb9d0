"""Step 3: a touched hotel's day series over its last 31 weeks, the detectors run on it, and
the alerts of new problems stored (each once) with an "alert" event.

The ledger that tells a new problem from a re-detected one is restored per hotel from the
stored alerts (their kind, aspect, onset and detection day), so it survives restarts and
needs no state of its own. `as_of` is the hotel's newest review day: the detectors judge the
data as it stood then, which for live feeds is today.

Replay (resynchronising: the first run on a database, or after a long outage): a hotel loaded
with years of history has most of its problems far behind its newest day, where a single
detection as of that day cannot see them. So the detectors run as of successive days from the
first review day (after a warm-up) to the newest (`replay_days`), each on the 31-week window
that day would have had, the hotel's reviews read once; the one ledger, restored from the
stored alerts and fed in date order, raises each problem once with its onset and the day it
was first seen — close to what the runner would have raised had it been running all along.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.events.outbox import NewEvent
from hotelreviews.intelligence.alerts.service import NewAlert, record_alerts
from hotelreviews.intelligence.anomalies import (
    Alert,
    AlertLedger,
    DayBucket,
    DetectorParams,
    detect,
    series_from_days,
)
from hotelreviews.intelligence.reputation import HotelReputationState
from hotelreviews.intelligence.runner import repository as repo
from hotelreviews.intelligence.runner.analysis import Analysed, utc_day
from hotelreviews.intelligence.runner.day_series import DayMemory, HotelDays

# The rating-drop detector looks 30 weeks back (RatingDropParams.lookback_weeks), the others
# less: a day more than its week's worth, so the oldest week it reads is whole.
WINDOW = timedelta(weeks=31)
# Replay: the detectors run as of every 4 weeks (a rating drop or an aspect's deterioration
# stays detectable for up to 8 weeks after its onset: RatingDropParams.max_age_weeks,
# AspectDeteriorationParams.max_recent_weeks), and as of every day with enough reviews to be a
# burst (VolumeBurstParams.min_count: the burst detector scans only the last 7 days, which a
# 4-week step would skip). Weekly for all three cost the demo's first catch-up 4 times more.
# The warm-up is the detectors' evaluation's (bench/intelligence_anomalies.py): before it, no
# baseline is long enough to judge.
REPLAY_STEP = timedelta(weeks=4)
BURST_MIN_REVIEWS = DetectorParams().volume_burst.min_count
REPLAY_WARM_UP = timedelta(days=90)


def day_buckets(
    *, reviews: Sequence[Any], as_of: date, whole_history: bool = False
) -> list[DayBucket]:
    """The hotel's days from `as_of` - 31 weeks (`whole_history`: from its first) to `as_of`,
    oldest first: count, mean rating position (on the provider's own range, 0..1) and aspect
    opinions (once per review and aspect)."""
    start = date.min if whole_history else as_of - WINDOW
    return HotelDays.from_rows(reviews, since=start).buckets(as_of=as_of)


def newest_day(*, state: HotelReputationState, today: date) -> date:
    """The hotel's newest review's UTC day (the state's reference), or today without one."""
    if state.reference_day is None:
        return today
    return datetime.fromtimestamp(state.reference_day * 86_400.0, tz=UTC).date()


def replay_days(*, days: Sequence[DayBucket], last: date) -> list[date]:
    """The days a replay detects as of, oldest first: every 4 weeks from the first day (of
    `days`, sorted) + the warm-up, every day busy enough to be a burst, and `last`."""
    if not days:
        return [last]
    moments: set[date] = set()
    day = days[0].day + REPLAY_WARM_UP
    while day < last:
        moments.add(day)
        day += REPLAY_STEP
    moments.update(b.day for b in days if b.reviews >= BURST_MIN_REVIEWS and b.day < last)
    return [*sorted(moments), last]


def window_of(days: Sequence[DayBucket], *, as_of: date) -> list[DayBucket]:
    """The days (sorted) the detectors see as of `as_of`: its 31-week window, ending on
    `as_of` itself (an empty day if it had no review: the detectors index the series from its
    end, which online is always the newest review's day)."""
    keys = [bucket.day for bucket in days]
    window = list(days[bisect.bisect_left(keys, as_of - WINDOW) : bisect.bisect_right(keys, as_of)])
    if window and window[-1].day != as_of:
        window.append(DayBucket(day=as_of, reviews=0, mean_rating=0.0))
    return window


def restored_ledger(*, hotel_id: int, stored: Sequence[Any]) -> AlertLedger:
    """The ledger as it stood after admitting the hotel's stored alerts."""
    ledger = AlertLedger()
    ledger.admit(
        Alert(
            hotel_id=str(hotel_id),
            kind=row.kind,
            aspect=row.aspect,
            onset=row.onset,
            detected_at=utc_day(row.detected_at),
            severity=row.severity,
            message=row.message,
        )
        for row in stored
    )
    return ledger


def alert_key(alert: Alert) -> str:
    return ":".join(alert.key)


async def _window_days(
    connection: AsyncConnection,
    *,
    hotel_id: int,
    analysed: Analysed,
    as_of: date,
    memory: DayMemory | None,
    cursor: int | None,
    summed: dict[int, HotelDays],
) -> list[DayBucket]:
    """The hotel's days of the 31 weeks to `as_of`: its remembered sums with the step's new
    reviews, or (first met, an edited review, a memory from another cursor) read again. The
    sums go into `summed`, for the memory once the step commits."""
    since = as_of - WINDOW
    known = None
    if memory is not None and hotel_id not in analysed.edited:
        known = memory.known(hotel_id, cursor=cursor, since=since)
    if known is not None:
        days = known.with_reviews(analysed.fresh.get(hotel_id, ()), since=since)
    if known is None or as_of not in days.days:
        # The newest review's day is always a day of the sums when they hold what the state
        # holds; if not, they missed a review: read them again rather than judge a short series.
        start = datetime.combine(since, time(), tzinfo=UTC)
        rows = await repo.hotel_reviews(connection, hotel_id=hotel_id, since=start)
        days = HotelDays.from_rows(analysed.current(rows), since=since)
    summed[hotel_id] = days
    return days.buckets(as_of=as_of)


async def detect_hotel(
    connection: AsyncConnection,
    *,
    hotel_id: int,
    state: HotelReputationState,
    analysed: Analysed,
    today: date,
    replay: bool = False,
    memory: DayMemory | None = None,
    cursor: int | None = None,
    summed: dict[int, HotelDays] | None = None,
) -> list[NewAlert]:
    """The alerts of new problems the detectors find on the hotel's series (reads only);
    `replay`: over the hotel's whole history, week by week (resynchronising). With a
    `memory` valid at `cursor`, the window's day sums come from it and the step's new reviews;
    the sums the step ends with go into `summed` (to remember once it commits)."""
    if state.reference_day is None:
        return []
    as_of = newest_day(state=state, today=today)
    if replay:
        reviews = analysed.current(await repo.hotel_reviews(connection, hotel_id=hotel_id))
        days = day_buckets(reviews=reviews, as_of=as_of, whole_history=True)
        moments = replay_days(days=days, last=as_of)
    else:
        days = await _window_days(
            connection,
            hotel_id=hotel_id,
            analysed=analysed,
            as_of=as_of,
            memory=memory,
            cursor=cursor,
            summed=summed if summed is not None else {},
        )
        moments = [as_of]
    ledger: AlertLedger | None = None  # read only when something is found
    raised: list[Alert] = []
    for moment in moments:
        visible = window_of(days, as_of=moment) if replay else days
        found = detect(series=series_from_days(hotel_id=str(hotel_id), days=visible), as_of=moment)
        if not found:
            continue
        if ledger is None:
            ledger = restored_ledger(
                hotel_id=hotel_id, stored=await repo.stored_alerts(connection, hotel_id=hotel_id)
            )
        raised += ledger.admit(found)
    return [
        NewAlert(
            key=alert_key(alert),
            hotel_id=hotel_id,
            kind=alert.kind,
            aspect=alert.aspect,
            onset=alert.onset,
            # The detector's day: the ledger restored from it compares days of the data.
            detected_at=datetime.combine(alert.detected_at, time(), tzinfo=UTC),
            severity=alert.severity,
            message=alert.message,
            evidence=alert.evidence,
        )
        for alert in raised
    ]


async def store_alerts(
    connection: AsyncConnection, *, raised: Sequence[NewAlert]
) -> list[NewEvent]:
    """Store the alerts not stored yet (each key once); an "alert" event for each stored (to
    record with the transaction's other events)."""
    if not raised:
        return []
    keys = [item.key for item in raised]
    before = await repo.alert_ids(connection, keys=keys)
    await record_alerts(connection, raised=[item for item in raised if item.key not in before])
    after = await repo.alert_ids(connection, keys=keys)
    return [
        NewEvent(
            "alert",
            item.hotel_id,
            {
                "alert_id": after[item.key],
                "kind": item.kind,
                "aspect": item.aspect,
                "onset": item.onset.isoformat(),
                "severity": round(item.severity, 3),
                "message": item.message,
            },
        )
        for item in raised
        if item.key not in before and item.key in after
    ]
