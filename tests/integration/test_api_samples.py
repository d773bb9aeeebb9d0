"""The sample feeds, ingested by the real ingester, read back through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.hotels.schemas import HotelPage, HotelRead
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.reviews.schemas import ReviewPage, ReviewRead
from tests.support.api_client import api_client, get_json, walk

SAMPLES = ["agoda_com_2025-03-16.jl", "group_feed_2024-11-06.jsonl", "broken_lines.jl"]


@pytest.fixture
async def client(
    settings: Settings, engine: AsyncEngine, samples_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    paths = [str(samples_dir / name) for name in SAMPLES]
    await ingest_paths(engine=engine, settings=settings, paths=paths)
    async with api_client(settings, roles=["admin"]) as client:
        yield client


async def hotel_named(client: httpx.AsyncClient, name: str) -> dict:
    [hotel] = (await get_json(client, "/api/v1/hotels", q=name))["items"]
    return hotel


async def test_hotels_and_their_counts(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/api/v1/hotels", include_total="true", sort="name")
    HotelPage.model_validate(body)
    assert body["total"] == 7
    counts = {item["name"]: item["review_count"] for item in body["items"]}
    assert counts == {
        "Harbourfront Lantern Hotel": 3,
        "Old Quarter Courtyard Inn": 3,
        "Riverside Garden Resort & Spa": 2,
        "Central Station Budget Rooms": 1,
        "Marina Crescent Hotel": 2,
        "Alfama Tile House": 2,
        "Good Line Among Bad": 1,
    }
    ratings = [
        item["average_rating"] for item in (await get_json(client, "/api/v1/hotels"))["items"]
    ]
    assert ratings == sorted(ratings, reverse=True)
    riverside = await hotel_named(client, "riverside")
    assert riverside["average_rating"] == 8.4  # 10.0 and the edited 6.8 (not 6.0)
    marina = await hotel_named(client, "marina")
    assert marina["city"] == "Singapore" and marina["stars"] == 5.0
    assert (await get_json(client, "/api/v1/hotels", city="SINGAPORE"))["items"] == [marina]


async def test_hotel_detail_of_a_hotel_graded_by_two_providers(client: httpx.AsyncClient) -> None:
    harbour = await hotel_named(client, "Harbourfront")
    body = await get_json(client, f"/api/v1/hotels/{harbour['id']}")
    HotelRead.model_validate(body)
    assert body["review_count"] == 3
    assert sum(body["histogram"].values()) == 3
    assert body["histogram"]["9"] == 2 and body["histogram"]["5"] == 1  # 8.8, 9.0 and 5.2
    assert {p["provider_name"]: p["review_count"] for p in body["by_provider"]} == {
        "Agoda": 2,
        "Booking.com": 1,
    }
    standings = {s["provider_name"]: s for s in body["provider_standings"]}
    assert set(standings) == {"Agoda", "Booking.com"}
    assert standings["Agoda"]["score"] == 8.3
    assert standings["Agoda"]["grades"]["Location"] == 9.2
    assert standings["Booking.com"]["score"] == 8.5


async def test_reviews_of_a_hotel_in_both_scales(client: httpx.AsyncClient) -> None:
    marina = await hotel_named(client, "marina")
    body = await get_json(client, f"/api/v1/hotels/{marina['id']}/reviews", sort="highest")
    ReviewPage.model_validate(body)
    best, worst = body["items"]
    assert (best["rating"], best["rating_scale"], best["rating_normalized"]) == (4.5, 5.0, 9.0)
    assert (worst["rating"], worst["rating_normalized"]) == (2.0, 4.0)  # "2" arrived as text
    assert worst["review_date"] == "2024-11-05T10:30:00+00:00"
    assert worst["review_date_local"] == "2024-11-05T18:30:00+08:00"
    detail = await get_json(client, f"/api/v1/reviews/{best['id']}")
    ReviewRead.model_validate(detail)
    assert detail["hotel"] == {"id": marina["id"], "name": "Marina Crescent Hotel"}
    assert detail["traveller_type"] == "business"


async def test_filters_by_language_and_response(client: httpx.AsyncClient) -> None:
    inn = await hotel_named(client, "Courtyard")
    url = f"/api/v1/hotels/{inn['id']}/reviews"
    [german] = (await get_json(client, url, language="de"))["items"]
    assert german["title"] == "Oase mitten in der Altstadt"
    assert german["has_response"] is True and german["response"] is not None
    [vietnamese] = (await get_json(client, url, language="vi"))["items"]
    assert vietnamese["review_date_offset_minutes"] == 420


async def test_search_finds_the_edited_review_version(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/api/v1/reviews/search", q="Update", include_total="true")
    assert body["total"] == 1
    [hit] = body["items"]
    assert hit["provider_review_id"] == "70000202" and hit["rating"] == 6.8
    assert "<mark>Update</mark>" in hit["snippet"]
    quiet = await get_json(client, "/api/v1/reviews/search", q="quiet spotless")
    assert [hit["provider_review_id"] for hit in quiet["items"]] == ["70000001"]


async def test_providers_and_ingestions(client: httpx.AsyncClient) -> None:
    providers = (await get_json(client, "/api/v1/providers"))["items"]
    by_key = {p["key"]: p for p in providers}
    assert by_key["332"]["name"] == "Agoda" and by_key["334"]["name"] == "Booking.com"
    assert sum(p["review_count"] for p in providers) == 14
    runs = (await get_json(client, "/api/v1/ingestions"))["items"]
    assert {Path(run["display_name"]).name for run in runs} == set(SAMPLES)
    broken = next(run for run in runs if run["display_name"].endswith("broken_lines.jl"))
    assert broken["status"] == "succeeded"
    assert broken["counts"]["rejected"] == 10 and broken["counts"]["blank"] == 1
    assert broken["counts"]["new"] == 1
    assert sum(broken["counts"]["rejected_by_reason"].values()) == 10
    pages = await walk(client, f"/api/v1/ingestions/{broken['id']}/rejected-lines", limit=4)
    lines = [line for page in pages for line in page]
    assert [line["line_number"] for line in lines] == [1, 2, 3, 4, 5, 6, 8, 9, 11, 12]
    assert all(line["reason"] and line["message"] for line in lines)
