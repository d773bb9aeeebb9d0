"""Duplicate detection fed by the intelligence runner, on both backends: near-copies, bursts
and cross-posts arriving as "reviews" events are flagged (never deleted) and shown on the
review; one suspicious_duplicates alert per burst, however often the runner runs; a
cross-post's later copy counts once in the reputation state, kept or rebuilt; a crash before
the commit and a re-run end as one clean run; an edited review is judged again; the stored
index agrees with the in-memory DuplicateIndex on the benchmark's planted set; and a cached
review page shows the flags once they are stored."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.demo.planted.duplicates import compose_review, light_edit, planted_reviews
from hotelreviews.events.outbox import NewEvent, record_events
from hotelreviews.events.tables import events
from hotelreviews.intelligence.alerts.tables import alerts
from hotelreviews.intelligence.duplicates import DuplicateIndex, ReviewForDedup
from hotelreviews.intelligence.duplicates.tables import review_lsh_buckets, review_signatures
from hotelreviews.intelligence.flags.tables import review_flags
from hotelreviews.intelligence.runner import catch_up
from hotelreviews.intelligence.runner.tables import intelligence_progress
from hotelreviews.intelligence.standing.tables import hotel_reputation
from hotelreviews.reviews.schemas import ReviewPage, ReviewRead
from hotelreviews.reviews.tables import reviews
from tests.support.api_client import api_client, api_key_headers, get_json
from tests.support.builders import NOW, Catalog
from tests.support.cache import changed, with_response_cache

DAY = date(2025, 5, 5)
_ids = itertools.count(1)


class Crash(Exception):
    """Raised inside the runner's transaction, as a process dying there would end it."""


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@dataclass(frozen=True, slots=True)
class Planted:
    """A review to store: its hotel and provider ids and its facts."""

    hotel: int
    provider: int
    name: str
    country: str | None
    day: date
    rating: float  # on 10
    text: str
    stay_month: date | None = None


class Feed:
    """Reviews written straight into the tables, each batch announced by "reviews" events
    (as ingestion does), and the runner caught up."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine, self.settings, self.catalog = engine, settings, Catalog(engine)
        self.file: int | None = None

    async def start(self) -> None:
        """Take the runner through its first (resynchronising) run, so that later batches
        follow events."""
        hotel = await self.catalog.hotel("Warm-up Inn")
        await self.announce([hotel])
        await catch_up(engine=self.engine, settings=self.settings)

    async def announce(self, hotel_ids: Iterable[int]) -> None:
        async with write_transaction(self.engine) as connection:
            await record_events(
                connection,
                events=[NewEvent("reviews", h, {"reviews": 1}) for h in sorted(set(hotel_ids))],
            )

    async def add(self, planted: Sequence[Planted]) -> list[int]:
        """Store the reviews (in order) and announce them; their ids."""
        if self.file is None:
            self.file = await self.catalog.ingestion()
        ids = []
        async with write_transaction(self.engine) as connection:
            for item in planted:
                result = await connection.execute(
                    sa.insert(reviews).values(
                        provider_id=item.provider,
                        provider_review_id=f"dup-{next(_ids)}",
                        hotel_id=item.hotel,
                        rating=item.rating,
                        rating_scale=10.0,
                        rating_normalized=item.rating,
                        text=item.text,
                        language="en",
                        review_date=datetime.combine(item.day, time(12), tzinfo=UTC),
                        review_date_offset_minutes=0,
                        review_date_offset_missing=False,
                        stay_month=item.stay_month,
                        reviewer_name=item.name,
                        reviewer_country=item.country,
                        has_response=False,
                        aspects={},
                        content_hash=f"{next(_ids):032x}",
                        first_seen_at=NOW,
                        last_changed_at=NOW,
                        source_file_id=self.file,
                    )
                )
                ids.append(int(result.inserted_primary_key[0]))
        await self.announce(item.hotel for item in planted)
        return ids

    async def run(self, **options: Any) -> Any:
        return await catch_up(engine=self.engine, settings=self.settings, **options)


async def rows(engine: AsyncEngine, statement: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list((await connection.execute(statement)).all())


async def flags(engine: AsyncEngine) -> dict[int, dict[str, tuple[int, ...]]]:
    """Stored flags: review id -> kind -> matched review ids."""
    found: dict[int, dict[str, tuple[int, ...]]] = {}
    for row in await rows(engine, sa.select(review_flags)):
        found.setdefault(row.review_id, {})[row.kind] = tuple(row.matches)
    return found


def texts(seed: int, count: int) -> list[list[str]]:
    rng = Random(seed)
    return [compose_review(rng) for _ in range(count)]


@dataclass(frozen=True, slots=True)
class Scene:
    hotel: int
    other_hotel: int
    original: int
    cross_post: int
    near_copy: int
    burst: list[int]
    ordinary: list[int]


async def planted_scene(feed: Feed) -> Scene:
    """Two batches: an original, its cross-post on another provider, its copy at another
    hotel by another reviewer, a burst of four near-identical reviews, and ordinary ones."""
    catalog = feed.catalog
    booking = await catalog.provider("Booking.com", key="booking")
    expedia = await catalog.provider("Expedia", key="expedia")
    hotel = await catalog.hotel("Copy House", city="Porto")
    other = await catalog.hotel("Elsewhere Hotel", city="Porto")
    story, burst_text, *plain = texts(16, 8)
    rng = Random(7)

    def stay(**changes: Any) -> Planted:
        values: dict[str, Any] = {
            "hotel": hotel, "provider": booking, "name": "Anna K.", "country": "PT",
            "day": DAY, "rating": 8.0, "text": " ".join(story),
        }  # fmt: skip
        values.update(changes)
        return Planted(**values)

    first = await feed.add(
        [stay()]
        + [
            stay(name=f"Guest {n}", day=DAY + timedelta(days=n), text=" ".join(words), rating=6.0)
            for n, words in enumerate(plain)
        ]
        + [
            stay(
                name=name,
                day=DAY + timedelta(days=n),
                rating=10.0,
                text=" ".join(light_edit(burst_text, rng, edits=1)),
            )
            for n, name in enumerate(("Bo L.", "Cy M."))
        ]  # fmt: skip
    )
    await feed.run()
    second = await feed.add(
        [
            stay(
                provider=expedia,
                name="Anna Kowalska",
                day=DAY + timedelta(days=3),
                text=" ".join(light_edit(story, rng, edits=1)),
            ),
            stay(
                hotel=other,
                name="Zed Q.",
                country="GB",
                text=" ".join(light_edit(story, rng, edits=1)),
            ),
        ]
        + [
            stay(
                name=name,
                day=DAY + timedelta(days=2 + n),
                rating=10.0,
                text=" ".join(light_edit(burst_text, rng, edits=1)),
            )
            for n, name in enumerate(("Di N.", "Ed O."))
        ]  # fmt: skip
    )
    await feed.run()
    return Scene(
        hotel=hotel,
        other_hotel=other,
        original=first[0],
        cross_post=second[0],
        near_copy=second[1],
        burst=first[-2:] + second[-2:],
        ordinary=first[1:-2],
    )


async def test_copies_cross_posts_and_bursts_are_flagged_and_shown_on_the_review(
    engine: AsyncEngine, settings: Settings, client: httpx.AsyncClient
) -> None:
    feed = Feed(engine, settings)
    await feed.start()
    scene = await planted_scene(feed)

    stored = await flags(engine)
    # Judged oldest first: the copy at the other hotel (dated earlier) is a near-duplicate of
    # the original, and the cross-post is the original's stay and the copy's near-duplicate.
    assert stored[scene.near_copy] == {"near_duplicate": (scene.original,)}
    assert stored[scene.cross_post] == {
        "cross_post": (scene.original,),
        "near_duplicate": (scene.near_copy,),
    }
    first, second, third, fourth = scene.burst
    assert set(stored[second]) == {"near_duplicate"}
    assert set(stored[third]) == set(stored[fourth]) == {"near_duplicate", "suspicious_burst"}
    assert set(stored[fourth]["suspicious_burst"]) == {first, second, third}
    assert not any(review in stored for review in [scene.original, first, *scene.ordinary])
    # Flagged, never deleted: every review is still there.
    assert len(await rows(engine, sa.select(reviews.c.id))) == 1 + 6 + 2 + 4

    shown = await get_json(client, f"/api/v1/reviews/{scene.cross_post}")
    ReviewRead.model_validate(shown)
    cross = shown["flags"][0]
    assert {flag["kind"] for flag in shown["flags"]} == {"cross_post", "near_duplicate"}
    assert cross == {
        "kind": "cross_post",
        "message": "The same stay as posted on booking: count it once.",
        "similarity": cross["similarity"],
        "matches": [scene.original],
    }
    assert 0.5 <= cross["similarity"] <= 1.0
    assert (await get_json(client, f"/api/v1/reviews/{scene.original}"))["flags"] == []
    url = f"/api/v1/hotels/{scene.hotel}/reviews"
    page = await get_json(client, url, limit=100)
    ReviewPage.model_validate(page)
    by_id = {item["id"]: {flag["kind"] for flag in item["flags"]} for item in page["items"]}
    assert by_id[fourth] == {"near_duplicate", "suspicious_burst"}
    assert by_id[scene.original] == set()
    flagged = await get_json(client, url, limit=100, flagged="true")
    unflagged = await get_json(client, url, limit=100, flagged="false")
    assert {item["id"] for item in flagged["items"]} == {scene.cross_post, second, third, fourth}
    assert {item["id"] for item in unflagged["items"]} == {
        scene.original, first, *scene.ordinary
    }  # fmt: skip
    refused = await get_json(client, url, status=422, flagged="maybe")
    assert refused["status"] == 422

    headers = await api_key_headers(client, "analyst")
    response = await client.get(
        "/api/v1/alerts", params={"kind": "suspicious_duplicates"}, headers=headers
    )
    assert response.status_code == 200, response.text
    listed = response.json()
    (alert,) = listed["items"]
    assert alert["hotel_id"] == scene.hotel
    assert set(alert["evidence"]["reviews"]) == {first, second, third}
    assert alert["onset"] == DAY.isoformat()


async def test_a_burst_raises_one_alert_and_one_event_however_often_the_runner_runs(
    engine: AsyncEngine, settings: Settings
) -> None:
    feed = Feed(engine, settings)
    await feed.start()
    scene = await planted_scene(feed)
    async with engine.begin() as connection:
        await connection.execute(sa.delete(intelligence_progress))
    again = await feed.run()
    # A fifth copy in the same week joins the burst: still the same alert.
    rng = Random(3)
    (burst_text,) = texts(16, 2)[1:]
    provider = (await rows(engine, sa.select(reviews.c.provider_id).limit(1)))[0][0]
    (fifth,) = await feed.add(
        [
            Planted(
                scene.hotel,
                provider,
                "Flo P.",
                None,
                DAY + timedelta(days=4),
                10.0,
                " ".join(light_edit(burst_text, rng, edits=1)),
            )
        ]  # fmt: skip
    )
    later = await feed.run()

    assert again.resynchronised is True and again.alerts == 0
    assert later.alerts == 0
    assert "suspicious_burst" in (await flags(engine))[fifth]
    stored = await rows(engine, sa.select(alerts).where(alerts.c.kind == "suspicious_duplicates"))
    assert len(stored) == 1
    alert_events = await rows(engine, sa.select(events.c.payload).where(events.c.kind == "alert"))
    assert [row.payload["alert_id"] for row in alert_events] == [stored[0].id]


async def test_a_cross_post_counts_once_in_the_state_kept_and_the_state_rebuilt(
    engine: AsyncEngine, settings: Settings
) -> None:
    feed = Feed(engine, settings)
    await feed.start()
    scene = await planted_scene(feed)
    hotel_state = sa.select(hotel_reputation.c.state).where(
        hotel_reputation.c.hotel_id == scene.hotel
    )
    ((kept,),) = await rows(engine, hotel_state)
    async with engine.begin() as connection:
        await connection.execute(sa.delete(intelligence_progress))
    await feed.run()
    ((rebuilt,),) = await rows(engine, hotel_state)

    at_hotel = await rows(engine, sa.select(reviews.c.id).where(reviews.c.hotel_id == scene.hotel))
    assert kept["count"] == rebuilt["count"] == len(at_hotel) - 1


async def test_a_crash_before_the_commit_and_a_rerun_end_as_one_clean_run(
    engine: AsyncEngine, settings: Settings
) -> None:
    feed = Feed(engine, settings)
    await feed.start()
    catalog = feed.catalog
    provider = await catalog.provider("Booking.com", key="booking")
    hotel = await catalog.hotel("Crash Court")
    (words,) = texts(5, 1)
    rng = Random(5)
    planted = [
        Planted(hotel, provider, name, None, DAY, 9.0, " ".join(light_edit(words, rng, edits=1)))
        for name in ("Al A.", "Bea B.", "Cal C.")
    ]
    ids = await feed.add(planted)

    async def crash(connection: AsyncConnection) -> None:
        raise Crash

    with pytest.raises(Crash):
        await feed.run(in_batch=crash)
    for table in (review_flags, review_signatures, review_lsh_buckets):
        assert await rows(engine, sa.select(table)) == []
    assert await rows(engine, sa.select(alerts)) == []
    await feed.run()

    stored = await flags(engine)
    assert set(stored) == set(ids[1:])
    assert set(stored[ids[2]]["suspicious_burst"]) == {ids[0], ids[1]}
    assert len(await rows(engine, sa.select(alerts))) == 1
    assert len(await rows(engine, sa.select(review_signatures))) == 3


async def test_an_edited_review_is_judged_again_and_its_buckets_replaced(
    engine: AsyncEngine, settings: Settings
) -> None:
    feed = Feed(engine, settings)
    await feed.start()
    scene = await planted_scene(feed)
    buckets_of = sa.select(review_lsh_buckets.c.bucket).where(
        review_lsh_buckets.c.review_id == scene.near_copy
    )
    before = {row.bucket for row in await rows(engine, buckets_of)}
    (fresh,) = texts(99, 1)
    async with engine.begin() as connection:
        await connection.execute(
            sa.update(reviews)
            .where(reviews.c.id == scene.near_copy)
            .values(text=" ".join(fresh), last_changed_at=NOW + timedelta(days=1))
        )
    await feed.announce([scene.other_hotel])
    report = await feed.run()

    after = {row.bucket for row in await rows(engine, buckets_of)}
    assert report.analysed == 1
    assert scene.near_copy not in await flags(engine)
    assert len(after) == len(before) and not after & before
    ((changed,),) = await rows(
        engine,
        sa.select(review_signatures.c.source_changed_at).where(
            review_signatures.c.review_id == scene.near_copy
        ),
    )
    assert changed == NOW + timedelta(days=1)


async def test_an_edited_review_too_short_to_judge_now_keeps_none_of_its_old_buckets(
    engine: AsyncEngine, settings: Settings
) -> None:
    """Its old buckets are found from the signature it was judged from (the bucket table has
    no index by review): none of its own are written now, and none of the old may remain."""
    feed = Feed(engine, settings)
    await feed.start()
    scene = await planted_scene(feed)

    def buckets_of(review_id: int) -> Any:
        return sa.select(review_lsh_buckets.c.bucket).where(
            review_lsh_buckets.c.review_id == review_id
        )

    copied = {row.bucket for row in await rows(engine, buckets_of(scene.near_copy))}
    original = {row.bucket for row in await rows(engine, buckets_of(scene.original))}
    assert copied & original  # a near-copy: some of its buckets are the original's
    async with engine.begin() as connection:
        await connection.execute(
            sa.update(reviews)
            .where(reviews.c.id == scene.near_copy)
            .values(text="Lovely stay.", last_changed_at=NOW + timedelta(days=1))
        )
    await feed.announce([scene.other_hotel])
    report = await feed.run()

    assert report.analysed == 1
    assert await rows(engine, buckets_of(scene.near_copy)) == []
    assert scene.near_copy not in await flags(engine)
    # The original keeps the buckets it shared: deleted by bucket and review, not bucket.
    assert {row.bucket for row in await rows(engine, buckets_of(scene.original))} == original


async def test_the_stored_index_agrees_with_the_in_memory_index_on_the_planted_set(
    engine: AsyncEngine, settings: Settings
) -> None:
    planted = planted_reviews(
        seed=16, ordinary=240, short=30, near_copies=15, cross_posts=15, bursts=4, hotels=12
    )
    feed = Feed(engine, settings)
    await feed.start()
    providers = {
        key: await feed.catalog.provider(key, key=key)
        for key in sorted({p.review.provider for p in planted})
    }
    hotels = {
        key: await feed.catalog.hotel(key) for key in sorted({p.review.hotel_id for p in planted})
    }
    ordered = sorted(planted, key=lambda p: (p.review.review_date, p.review.review_id))
    db_ids: dict[str, int] = {}
    for start in range(0, len(ordered), 90):  # several batches, each judged in one step
        chunk = [p.review for p in ordered[start : start + 90]]
        ids = await feed.add(
            [
                Planted(
                    hotels[r.hotel_id],
                    providers[r.provider],
                    r.reviewer_name,
                    r.reviewer_country,
                    r.review_date,
                    round(r.rating * 10, 2),
                    r.text,
                    None if r.stay_month is None else date.fromisoformat(r.stay_month + "-01"),
                )
                for r in chunk
            ]  # fmt: skip
        )
        db_ids |= {r.review_id: i for r, i in zip(chunk, ids, strict=True)}
        await feed.run()

    index = DuplicateIndex()
    expected: dict[int, dict[str, tuple[int, ...]]] = {}
    for item in ordered:
        r = item.review
        review = ReviewForDedup(
            review_id=str(db_ids[r.review_id]),
            hotel_id=str(hotels[r.hotel_id]),
            provider=r.provider,
            reviewer_name=r.reviewer_name,
            reviewer_country=r.reviewer_country,
            review_date=r.review_date,
            stay_month=r.stay_month,
            rating=round(r.rating * 10, 2) / 10.0,
            text=r.text,
        )
        for verdict in index.add(review):
            expected.setdefault(int(review.review_id), {})[verdict.kind] = tuple(
                int(key) for key in verdict.matches
            )

    assert {"cross_post", "near_duplicate", "suspicious_burst"} <= {
        kind for found in expected.values() for kind in found
    }
    assert await flags(engine) == expected


async def test_a_cached_review_page_shows_the_flags_once_the_runner_stores_them(
    engine: AsyncEngine, settings: Settings
) -> None:
    cached = with_response_cache(settings)
    feed = Feed(engine, cached)
    await feed.start()
    provider = await feed.catalog.provider("Booking.com", key="booking")
    hotel = await feed.catalog.hotel("Cache Court")
    (words,) = texts(11, 1)
    rng = Random(11)
    first, copy = await feed.add(
        [
            Planted(
                hotel, provider, name, None, DAY, 9.0, " ".join(light_edit(words, rng, edits=1))
            )
            for name in ("Al A.", "Bea B.")
        ]
    )
    url = f"/api/v1/hotels/{hotel}/reviews"
    async with api_client(cached) as client:
        before = await client.get(url)
        assert all(item["flags"] == [] for item in before.json()["items"])

        await feed.run()

        after = await changed(client, url, before.content)
    flagged = {item["id"]: item["flags"] for item in after.json()["items"]}
    assert [flag["matches"] for flag in flagged[copy]] == [[first]]
    assert flagged[first] == []
