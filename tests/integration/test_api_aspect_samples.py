"""GET /api/v1/hotels/{id}/aspect-samples on both backends, after a feed is ingested and the
runner caught up: per aspect, the reviews' own sentences of that aspect and polarity (not
whole reviews), the strongest first, from distinct reviews, at most `per_aspect` each; one
aspect on request; 404 for no such hotel, "not_analysed" for one the runner has not reached;
422 for an unknown aspect or a bound out of range; cached, and replaced once the runner has
analysed the hotel's reviews."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.hotels.tables import hotels
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.aspects import analyze_sentence
from hotelreviews.intelligence.runner import catch_up
from tests.support.api_client import api_client
from tests.support.builders import Catalog
from tests.support.cache import changed, with_response_cache

START = datetime(2025, 2, 3, 9, tzinfo=UTC)
COMMENTS = [
    "The staff were rude and unhelpful. The room was spotless and quiet.",
    "Breakfast was excellent! The wifi did not work at all.",
    "Great location near the station. The staff were friendly and helpful.",
    "The room was dirty. Breakfast was cold and overpriced.",
    "The wifi was fast. Staff were wonderful.",
    "The pool was lovely. The staff were friendly.",
]
SENTENCES = {
    sentence.strip()
    for comment in COMMENTS
    for sentence in comment.replace("! ", "!|").replace(". ", ".|").split("|")
}


def _line(n: int, comment: str) -> dict[str, Any]:
    return {
        "id": f"rev-samples-{n}",
        "hotel_id": "SAMPLES",
        "hotel_name": "Hotel Samples",
        "hotel_city": "Springfield",
        "hotel_star_rating": 3,
        "rating": 4.0,
        "comment": comment,
        "review_date": (START + timedelta(days=n)).isoformat(),
        "language": "en",
        "reviewer_name": f"Guest {n}",
        "source": "group-feed",
    }


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


async def _ingest(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> int:
    feed = tmp_path / "group_samples_2025-03-01.jsonl"
    feed.write_text("".join(json.dumps(_line(n, c)) + "\n" for n, c in enumerate(COMMENTS)))
    await ingest_paths(engine=engine, settings=settings, paths=[str(feed)])
    async with engine.connect() as connection:
        found = await connection.execute(
            sa.select(hotels.c.id).where(hotels.c.external_id == "SAMPLES")
        )
        return found.scalar_one()


@pytest.fixture
async def hotel_id(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> int:
    """The hotel's reviews ingested and analysed; its id."""
    ingested = await _ingest(engine, settings, tmp_path)
    await catch_up(engine=engine, settings=settings)
    return ingested


def _said(sentence: str) -> set[tuple[str, str]]:
    return {(o.aspect, o.polarity) for o in analyze_sentence(text=sentence, language="en")}


async def test_each_aspect_gets_the_reviews_own_sentences_of_its_polarity(
    client: httpx.AsyncClient, hotel_id: int
) -> None:
    response = await client.get(f"/api/v1/hotels/{hotel_id}/aspect-samples")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["reason"], body["reviews_read"]) == ("analysed", None, 6)
    assert body["per_aspect"] == 2
    assert len(body["aspects"]) == 10
    shown = 0
    for aspect, lists in body["aspects"].items():
        for polarity in ("positive", "negative"):
            samples = lists[polarity]
            assert len(samples) <= 2
            assert len({s["review_id"] for s in samples}) == len(samples)  # distinct reviews
            for sample in samples:
                assert sample["sentence"] in SENTENCES  # a sentence, not the whole review
                assert (aspect, polarity) in _said(sample["sentence"])
                assert sample["polarity"] == polarity
                assert sample["provider"] and sample["review_date"].startswith("2025-02-")
                shown += 1
            scores = [abs(s["score"]) for s in samples]
            assert scores == sorted(scores, reverse=True)
    assert shown >= 8
    staff = body["aspects"]["staff"]
    assert [s["sentence"] for s in staff["negative"]] == ["The staff were rude and unhelpful."]
    assert len(staff["positive"]) == 2
    wifi = body["aspects"]["wifi"]
    assert [s["sentence"] for s in wifi["negative"]] == ["The wifi did not work at all."]
    assert [s["sentence"] for s in wifi["positive"]] == ["The wifi was fast."]


async def test_one_aspect_on_request_and_the_per_aspect_bound(
    client: httpx.AsyncClient, hotel_id: int
) -> None:
    url = f"/api/v1/hotels/{hotel_id}/aspect-samples"
    one = (await client.get(url, params={"aspect": "staff", "per_aspect": 1})).json()
    five = (await client.get(url, params={"aspect": "staff", "per_aspect": 5})).json()

    assert list(one["aspects"]) == ["staff"]
    assert [len(one["aspects"]["staff"][p]) for p in ("positive", "negative")] == [1, 1]
    assert [len(five["aspects"]["staff"][p]) for p in ("positive", "negative")] == [3, 1]


async def test_no_such_hotel_is_404_an_unanalysed_one_says_so_and_bad_input_422(
    client: httpx.AsyncClient, engine: AsyncEngine, hotel_id: int
) -> None:
    quiet = await Catalog(engine).hotel("Quiet House", city="Springfield")
    url = f"/api/v1/hotels/{hotel_id}/aspect-samples"

    missing = await client.get(f"/api/v1/hotels/{quiet + 1000}/aspect-samples")
    unanalysed = await client.get(f"/api/v1/hotels/{quiet}/aspect-samples")
    bad_aspect = await client.get(url, params={"aspect": "sauna"})
    too_many = await client.get(url, params={"per_aspect": 6})
    none = await client.get(url, params={"per_aspect": 0})

    assert missing.status_code == 404
    assert missing.json()["code"] == "hotel_not_found"
    assert unanalysed.status_code == 200
    body = unanalysed.json()
    assert (body["status"], body["aspects"], body["reviews_read"]) == ("not_analysed", {}, 0)
    assert "not analysed yet" in body["reason"]
    for refused in (bad_aspect, too_many, none):
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_cached_samples_are_replaced_once_the_runner_has_analysed_the_reviews(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    cached = with_response_cache(settings)
    ingested = await _ingest(engine, cached, tmp_path)
    url = f"/api/v1/hotels/{ingested}/aspect-samples"
    async with api_client(cached) as client:
        before = await client.get(url)
        assert before.json()["status"] == "not_analysed"
        assert before.headers["cache-control"].startswith("public")

        await catch_up(engine=engine, settings=cached)

        after = await changed(client, url, before.content)
    assert after.json()["status"] == "analysed"
