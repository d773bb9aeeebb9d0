"""Issue 13, item 2: GET /api/v1/hotels/{id}/trend, a hotel's rating and volume per month or
ISO week, on both databases; cached per hotel version like the hotel detail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.api_client import api_client, get_json
from tests.support.builders import Catalog
from tests.support.cache import changed, with_response_cache, write_feed

HOTELS = "/api/v1/hotels"
SINGAPORE = timezone(timedelta(hours=8))
# Nothing here is analysed by review intelligence (issue 16's aspect sentiment: its own tests).
NOT_ANALYSED = {"reviews_analysed": 0, "aspects": []}
EMPTY = {
    "reviews": 0,
    "average_rating_normalized": None,
    "average_rating": None,
    "rating_scale": None,
    **NOT_ANALYSED,
}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def hotels(engine: AsyncEngine) -> dict[str, int]:
    """A hotel reviewed in January and March 2025 on two providers of different scales, one
    reviewed around ISO week boundaries, one without reviews."""
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda", key="332")
    expedia = await catalog.provider("Expedia", key="333", rating_scale=5.0)
    monthly = await catalog.hotel("Harbourfront Lantern Hotel")
    weekly = await catalog.hotel("Marina Crescent")
    empty = await catalog.hotel("Empty House")
    await catalog.review(monthly, agoda, rating=8.0, review_date=datetime(2025, 1, 3, tzinfo=UTC))
    await catalog.review(
        monthly,
        expedia,
        rating=3.0,
        rating_scale=5.0,
        review_date=datetime(2025, 1, 30, tzinfo=UTC),
    )
    # 1 April in Singapore, still 31 March in UTC: buckets are UTC.
    await catalog.review(
        monthly, agoda, rating=6.0, review_date=datetime(2025, 4, 1, 7, 30, tzinfo=SINGAPORE)
    )
    for day in (5, 6, 12, 20):  # Sun 5 Jan; Mon 6 and Sun 12 Jan; Mon 20 Jan
        await catalog.review(
            weekly, agoda, rating=7.0, review_date=datetime(2025, 1, day, 12, tzinfo=UTC)
        )
    return {"monthly": monthly, "weekly": weekly, "empty": empty, "agoda": agoda}


def _points(body: dict) -> list[dict]:
    assert set(body) == {"hotel_id", "bucket", "aspect", "clipped", "aspects_analysed", "points"}
    assert all(set(point) == {"start", *EMPTY} for point in body["points"])
    return body["points"]


async def test_monthly_buckets_are_zero_filled_and_give_the_raw_average_only_on_one_scale(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotels['monthly']}/trend")
    assert body["hotel_id"] == hotels["monthly"] and body["bucket"] == "month"
    assert body["clipped"] is False
    assert _points(body) == [
        # 8/10 and 3/5 (6 of 10): their raw mean would mix two scales.
        {
            "start": "2025-01-01",
            "reviews": 2,
            "average_rating_normalized": 7.0,
            "average_rating": None,
            "rating_scale": None,
            **NOT_ANALYSED,
        },
        {"start": "2025-02-01", **EMPTY},
        {
            "start": "2025-03-01",
            "reviews": 1,
            "average_rating_normalized": 6.0,
            "average_rating": 6.0,
            "rating_scale": 10.0,
            **NOT_ANALYSED,
        },
    ]


async def test_weekly_buckets_start_on_monday_in_utc_and_fill_empty_weeks(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotels['weekly']}/trend", bucket="week")
    assert body["bucket"] == "week"
    assert [(p["start"], p["reviews"]) for p in _points(body)] == [
        ("2024-12-30", 1),  # Sunday 5 January ends the week that began on 30 December
        ("2025-01-06", 2),
        ("2025-01-13", 0),
        ("2025-01-20", 1),
    ]
    assert body["points"][2] == {"start": "2025-01-13", **EMPTY}
    assert body["points"][1]["average_rating"] == 7.0


async def test_provider_filter_keeps_one_providers_reviews_and_its_raw_average(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    body = await get_json(
        client, f"{HOTELS}/{hotels['monthly']}/trend", provider_id=hotels["agoda"]
    )
    assert [(p["start"], p["reviews"], p["average_rating"]) for p in _points(body)] == [
        ("2025-01-01", 1, 8.0),
        ("2025-02-01", 0, None),
        ("2025-03-01", 1, 6.0),
    ]


async def test_since_and_until_bound_the_reviews_counted(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    url = f"{HOTELS}/{hotels['monthly']}/trend"
    since = await get_json(client, url, since="2025-01-15")
    assert [(p["start"], p["reviews"]) for p in _points(since)] == [
        ("2025-01-01", 1),
        ("2025-02-01", 0),
        ("2025-03-01", 1),
    ]
    until = await get_json(client, url, until="2025-01-31")  # the whole day, inclusive
    assert [(p["start"], p["reviews"]) for p in _points(until)] == [("2025-01-01", 2)]
    neither = await get_json(client, url, since="2025-02-01", until="2025-02-28")
    assert _points(neither) == []


async def test_a_hotel_without_reviews_has_no_points(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotels['empty']}/trend", bucket="week")
    assert _points(body) == [] and body["clipped"] is False


async def test_an_unknown_hotel_is_a_404_problem(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    body = await get_json(client, f"{HOTELS}/987654/trend", status=404)
    assert body["code"] == "hotel_not_found" and body["status"] == 404


@pytest.mark.parametrize("bucket", ["day", "year", "MONTH", ""])
async def test_an_unknown_bucket_is_refused_with_422(
    client: httpx.AsyncClient, hotels: dict[str, int], bucket: str
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotels['monthly']}/trend", status=422, bucket=bucket)
    assert "bucket" in str(body)


async def test_an_unknown_parameter_is_refused_with_422(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    await get_json(client, f"{HOTELS}/{hotels['monthly']}/trend", status=422, min_rating=5)


async def test_the_trend_is_cached_and_an_ingest_for_the_hotel_invalidates_it(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    cache_settings = with_response_cache(settings)
    first = write_feed(tmp_path / "first.jl", hotel=1, reviews=range(100, 101))
    await ingest_paths(engine=engine, settings=cache_settings, paths=[first])
    async with api_client(cache_settings) as client:
        hotel_id = (await get_json(client, HOTELS))["items"][0]["id"]
        url = f"{HOTELS}/{hotel_id}/trend"
        before = await client.get(url)
        assert before.status_code == 200
        assert [p["reviews"] for p in before.json()["points"]] == [1]
        again = await client.get(url)
        assert again.headers["x-cache"] == "hit" and again.content == before.content

        more = write_feed(tmp_path / "more.jl", hotel=1, reviews=range(900, 903), rating=2.0)
        await ingest_paths(engine=engine, settings=cache_settings, paths=[more])

        after = await changed(client, url, before.content)
        assert [p["reviews"] for p in after.json()["points"]] == [4]
        assert (await client.get(url)).headers["x-cache"] == "hit"


async def test_a_span_longer_than_240_months_keeps_the_newest_and_says_clipped(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    catalog = Catalog(engine)
    provider = await catalog.provider("Agoda", key="332")
    hotel = await catalog.hotel("Old Faithful")
    for year, month in ((2000, 1), (2025, 12)):  # 312 months from first to last
        day = datetime(year, month, 15, tzinfo=UTC)
        await catalog.review(hotel, provider, rating=8.0, review_date=day)
    body = await get_json(client, f"{HOTELS}/{hotel}/trend")
    points = _points(body)
    assert body["clipped"] is True and len(points) == 240
    assert points[0]["start"] == "2006-01-01" and points[-1]["start"] == "2025-12-01"
    assert points[-1]["reviews"] == 1 and sum(p["reviews"] for p in points) == 1
