"""Step 3: a touched hotel's day series over its last 31 weeks, the detectors run on it, and
the alerts of new problems stored (each once) with an "alert" event.

The ledger that tells a new problem from a re-detected one is restored per hotel from the
stored alerts (their kind, aspect, onset and detection day), so it survives restarts and
needs no state of its own. `as_of` is the hotel's newest review day: the detectors judge the
data as it stood then, which for live feeds is today and for a replayed history is its end.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.events.outbox import NewEvent
from hotelreviews.intelligence.alerts.service import NewAlert, record_alerts
from hotelreviews.intelligence.anomalies import (
    Alert,
    AlertLedger,
    DayBucket,
    detect,
    series_from_days,
)
from hotelreviews.intelligence.reputation import HotelReputationState, normalise
from hotelreviews.intelligence.runner import repository as repo
from hotelreviews.intelligence.runner.analysis import Analysed, review_polarities, utc_day

# The rating-drop detector looks 30 weeks back (RatingDropParams.lookback_weeks), the others
# less: a day more than its week's worth, so the oldest week it reads is whole.
WINDOW = timedelta(weeks=31)


@dataclass(slots=True)
class _Day:
    reviews: int = 0
    rating_sum: float = 0.0
    positive: dict[str, int] | None = None
    negative: dict[str, int] | None = None


@functools.lru_cache(maxsize=1 << 16)
def _position(provider: str, rating: float, rating_scale: float, day: date) -> float:
    # The same hotel's window is re-read at every batch that touches it: most hit.
    return normalise(provider=provider, rating=rating, rating_scale=rating_scale, review_date=day)


def day_buckets(*, reviews: Sequence[Any], as_of: date) -> list[DayBucket]:
    """The hotel's days from `as_of` - 31 weeks to `as_of`: count, mean rating position (on
    the provider's own range, 0..1) and aspect opinions (once per review and aspect)."""
    start = as_of - WINDOW
    days: dict[date, _Day] = {}
    for row in reviews:
        day = utc_day(row.review_date)
        if not start <= day <= as_of:
            continue
        bucket = days.setdefault(day, _Day(positive={}, negative={}))
        bucket.reviews += 1
        bucket.rating_sum += _position(row.provider, row.rating, row.rating_scale, day)
        for aspect, polarity in review_polarities(row.opinions):
            counts = bucket.positive if polarity == "positive" else bucket.negative
            assert counts is not None
            counts[aspect] = counts.get(aspect, 0) + 1
    return [
        DayBucket(
            day=day,
            reviews=b.reviews,
            mean_rating=b.rating_sum / b.reviews,
            aspect_positive=b.positive or {},
            aspect_negative=b.negative or {},
        )
        for day, b in sorted(days.items())
    ]


def newest_day(*, state: HotelReputationState, today: date) -> date:
    """The hotel's newest review's UTC day (the state's reference), or today without one."""
    if state.reference_day is None:
        return today
    return datetime.fromtimestamp(state.reference_day * 86_400.0, tz=UTC).date()


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


async def detect_hotel(
    connection: AsyncConnection,
    *,
    hotel_id: int,
    state: HotelReputationState,
    analysed: Analysed,
    today: date,
) -> list[NewAlert]:
    """The alerts of new problems the detectors find on the hotel's series (reads only)."""
    if state.reference_day is None:
        return []
    as_of = newest_day(state=state, today=today)
    since = datetime.combine(as_of - WINDOW, time(), tzinfo=UTC)
    reviews = analysed.current(await repo.hotel_reviews(connection, hotel_id=hotel_id, since=since))
    series = series_from_days(
        hotel_id=str(hotel_id), days=day_buckets(reviews=reviews, as_of=as_of)
    )
    found = detect(series=series, as_of=as_of)
    if not found:
        return []
    ledger = restored_ledger(
        hotel_id=hotel_id, stored=await repo.stored_alerts(connection, hotel_id=hotel_id)
    )
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
        for alert in ledger.admit(found)
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
