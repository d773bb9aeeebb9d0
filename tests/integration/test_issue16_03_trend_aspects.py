"""Issue 16, item 3: the hotel trend carries aspect sentiment from the stored opinions
(review_opinions), on both databases: a review counts once per aspect with the polarity its
opinions lean to; each bucket says how many of its reviews are analysed; `aspect=` narrows to
one of the ten keys (else 422); the runner's rescoring invalidates the cached trend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.opinions.tables import review_opinions
from hotelreviews.intelligence.runner import catch_up
from tests.support.api_client import api_client, get_json
from tests.support.builders import Catalog
from tests.support.cache import changed, with_response_cache
from tests.support.feeds import nested_line

HOTELS = "/api/v1/hotels"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


async def _analysed(engine: AsyncEngine, review_id: int, hotel_id: int, day: date, *opinions):
    """Store opinions for a review as the runner would ([aspect, polarity, score, source,
    sentence] each)."""
    async with engine.begin() as connection:
        await connection.execute(
            review_opinions.insert().values(
                review_id=review_id,
                hotel_id=hotel_id,
                review_day=day,
                language="en",
                opinions=[list(item) for item in opinions],
                analysed_at=NOW,
                source_changed_at=NOW,
            )
        )


@pytest.fixture
async def hotel(engine: AsyncEngine) -> int:
    """January: three analysed reviews; February: one analysed, one not."""
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda", key="332")
    hotel = await catalog.hotel("Harbourfront Lantern Hotel")

    async def review(day: date, *opinions: tuple[Any, ...]) -> None:
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        review_id = await catalog.review(hotel, agoda, rating=7.0, review_date=moment)
        if opinions:
            await _analysed(engine, review_id, hotel, day, *opinions)

    # Praises the staff twice: one positive staff review, not two.
    await review(
        date(2025, 1, 6),
        ("staff", "positive", 0.8, "text", 0),
        ("staff", "positive", 0.6, "text", 2),
        ("room", "negative", 0.7, "text", 1),
    )
    # Leans negative on the room (-0.9 + 0.3), positive on cleanliness.
    await review(
        date(2025, 1, 20),
        ("room", "negative", 0.9, "text", 0),
        ("room", "positive", 0.3, "text", 1),
        ("cleanliness", "positive", 0.5, "text", 2),
    )
    await review(date(2025, 1, 21), ("staff", "negative", 0.4, "text", 0))
    await review(date(2025, 2, 3), ("wifi", "negative", 0.9, "text", 0))
    await review(date(2025, 2, 4))  # not analysed yet
    return hotel


def _aspects(point: dict) -> dict[str, tuple[int, int, float]]:
    return {
        a["aspect"]: (a["positive"], a["negative"], a["positive_share"]) for a in point["aspects"]
    }


async def test_each_month_counts_a_review_once_per_aspect_with_its_leaning(
    client: httpx.AsyncClient, hotel: int
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotel}/trend")
    january, february = body["points"]
    assert (january["reviews"], january["reviews_analysed"]) == (3, 3)
    assert _aspects(january) == {
        "cleanliness": (1, 0, 1.0),
        "room": (0, 2, 0.0),
        "staff": (1, 1, 0.5),
    }
    # February's second review is not analysed: the client can tell, and so can the whole.
    assert (february["reviews"], february["reviews_analysed"]) == (2, 1)
    assert _aspects(february) == {"wifi": (0, 1, 0.0)}
    assert body["aspects_analysed"] is False and body["aspect"] is None


async def test_weekly_buckets_fold_opinions_by_their_iso_week(
    client: httpx.AsyncClient, hotel: int
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotel}/trend", bucket="week")
    by_start = {p["start"]: p for p in body["points"]}
    assert _aspects(by_start["2025-01-06"]) == {"staff": (1, 0, 1.0), "room": (0, 1, 0.0)}
    assert by_start["2025-01-13"]["aspects"] == [] and by_start["2025-01-13"]["reviews"] == 0
    assert _aspects(by_start["2025-01-20"]) == {
        "cleanliness": (1, 0, 1.0),
        "room": (0, 1, 0.0),
        "staff": (0, 1, 0.0),
    }


async def test_an_aspect_filter_keeps_that_aspect_only(
    client: httpx.AsyncClient, hotel: int
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotel}/trend", aspect="room")
    assert body["aspect"] == "room"
    assert [_aspects(p) for p in body["points"]] == [{"room": (0, 2, 0.0)}, {}]
    assert [p["reviews_analysed"] for p in body["points"]] == [3, 1]


async def test_filters_on_the_reviews_narrow_the_aspect_counts_too(
    client: httpx.AsyncClient, hotel: int
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotel}/trend", since="2025-01-20")
    january = body["points"][0]
    assert (january["reviews"], january["reviews_analysed"]) == (2, 2)
    assert _aspects(january)["staff"] == (0, 1, 0.0)


@pytest.mark.parametrize("aspect", ["Room", "breakfast", ""])
async def test_an_unknown_aspect_is_refused_with_422(
    client: httpx.AsyncClient, hotel: int, aspect: str
) -> None:
    body = await get_json(client, f"{HOTELS}/{hotel}/trend", status=422, aspect=aspect)
    assert "aspect" in str(body)


async def test_the_runners_analysis_reaches_the_cached_trend(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    cache_settings = with_response_cache(settings)
    feed = tmp_path / "feed.jl"
    texts = ["The staff were friendly and helpful.", "The staff were rude and unhelpful."]
    feed.write_bytes(
        b"".join(
            orjson.dumps(nested_line(hotel=7, review=100 + n, rating=8.0, text=text, day=n + 1))
            + b"\n"
            for n, text in enumerate(texts)
        )
    )
    await ingest_paths(engine=engine, settings=cache_settings, paths=[str(feed)])
    async with api_client(cache_settings) as client:
        hotel_id = (await get_json(client, HOTELS))["items"][0]["id"]
        url = f"{HOTELS}/{hotel_id}/trend"
        before = await client.get(url)
        assert before.status_code == 200
        assert before.json()["aspects_analysed"] is False
        assert (await client.get(url)).headers["x-cache"] == "hit"

        await catch_up(engine=engine, settings=cache_settings)

        after = (await changed(client, url, before.content)).json()
        assert after["aspects_analysed"] is True
        (march,) = after["points"]
        assert march["reviews_analysed"] == march["reviews"] == 2
        assert _aspects(march) == {"staff": (1, 1, 0.5)}
