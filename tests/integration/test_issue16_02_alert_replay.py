"""Issue 16, item 2: alerts over a hotel's history. When the runner resynchronises (its first
run on a database, or after a long outage) it replays detection week by week over each hotel's
whole history, so a problem long past the newest review is raised, once, with its onset; a
second resynchronisation or an ordinary batch later raises it again never. Both databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.hotels.tables import hotels
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.alerts.tables import alerts
from hotelreviews.intelligence.runner import catch_up
from hotelreviews.intelligence.runner.tables import intelligence_progress

START = datetime(2024, 1, 1, 10, tzinfo=UTC)  # a Monday
ONSET = START + timedelta(weeks=24)


def _line(day: int, n: int, rating: float) -> dict[str, Any]:
    return {
        "id": f"old-drop-{day:03d}-{n}",
        "hotel_id": "GH-OLD-DROP",
        "hotel_name": "Once Fallen Inn",
        "hotel_city": "Springfield",
        "hotel_star_rating": 3,
        "rating": rating,
        "title": "Stay",
        # Under eight words: the same text thrice a day would rightly be flagged as a
        # burst of near-duplicates (intelligence.duplicates), which this test is not about.
        "comment": "Friendly staff, clean room." if rating > 3 else "Dirty room, rude staff.",
        "review_date": (START + timedelta(days=day, minutes=n)).isoformat(),
        "language": "en",
        "source": "group-feed",
    }


def old_drop_feed(path: Path, *, weeks: int = 72) -> Path:
    """A hotel-group feed of one hotel, 3 reviews a day: 24 weeks of 4.5s, 6 weeks of 2.0s,
    then 4.5s again to week `weeks`: at its newest day the drop is 42 weeks old, outside the
    31 weeks a detection as of that day reads."""
    lines = [
        _line(day, n, 2.0 if 24 * 7 <= day < 30 * 7 else 4.5)
        for day in range(weeks * 7)
        for n in range(3)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


async def _alerts(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as connection:
        statement = (
            sa.select(alerts.c.kind, alerts.c.aspect, alerts.c.onset)
            .join(hotels, hotels.c.id == alerts.c.hotel_id)
            .where(hotels.c.external_id == "GH-OLD-DROP")
            .order_by(alerts.c.id)
        )
        return list((await connection.execute(statement)).all())


async def test_an_old_drop_is_raised_once_by_the_first_run_and_never_again(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    feed = old_drop_feed(tmp_path / "group_old_drop_2025-05-19.jsonl")
    await ingest_paths(engine=engine, settings=settings, paths=[str(feed)])

    first = await catch_up(engine=engine, settings=settings)

    assert first.resynchronised
    stored = await _alerts(engine)
    # The drop, and the complaints it came with (the room's cleanliness, the staff): each
    # once, from the planted week.
    assert sorted((kind, aspect) for kind, aspect, _ in stored) == [
        ("aspect_deterioration", "cleanliness"),
        ("aspect_deterioration", "staff"),
        ("rating_drop", None),
    ]
    for _, _, onset in stored:
        assert abs(onset - ONSET.date()) <= timedelta(days=7)
    assert first.alerts == 3

    # Resynchronising again (as after an outage longer than the events' retention).
    async with engine.begin() as connection:
        await connection.execute(intelligence_progress.delete())
    again = await catch_up(engine=engine, settings=settings)
    assert again.resynchronised and again.alerts == 0

    # An ordinary batch for the hotel: the incremental path, which reads the last 31 weeks.
    more = tmp_path / "group_old_drop_2025-05-20.jsonl"
    more.write_text(json.dumps(_line(72 * 7, 0, 4.5)) + "\n")
    await ingest_paths(engine=engine, settings=settings, paths=[str(more)])
    later = await catch_up(engine=engine, settings=settings)
    assert later.events >= 1 and not later.resynchronised and later.alerts == 0

    assert await _alerts(engine) == stored


def test_a_replay_detects_every_four_weeks_after_a_warm_up_on_busy_days_and_the_newest() -> None:
    from hotelreviews.intelligence.anomalies import DayBucket
    from hotelreviews.intelligence.runner.alerting import replay_days

    def day(when: date, reviews: int) -> DayBucket:
        return DayBucket(day=when, reviews=reviews, mean_rating=0.5)

    days = [day(date(2024, 1, 1), 2), day(date(2024, 2, 10), 10), day(date(2024, 6, 1), 3)]
    assert replay_days(days=days, last=date(2024, 6, 1)) == [
        date(2024, 2, 10),  # 10 reviews: a burst is judged on its own day
        date(2024, 3, 31),  # 90 days after the first
        date(2024, 4, 28),
        date(2024, 5, 26),
        date(2024, 6, 1),
    ]
    assert replay_days(days=days[:1], last=date(2024, 2, 1)) == [date(2024, 2, 1)]
    assert replay_days(days=[], last=date(2024, 2, 1)) == [date(2024, 2, 1)]
