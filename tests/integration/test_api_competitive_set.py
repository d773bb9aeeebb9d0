"""GET /api/v1/hotels/{id}/competitive-set on both backends: the city's hotels of the hotel's
star band, best first, each with its index, paged; the hotel's own rank among them as the
reputation answer gives it; other cities and bands left out; a hotel of no city alone in its
set; 404 for no such hotel, "not_scored" for one the runner has not reached; 422 for a bad
cursor."""

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
from hotelreviews.intelligence.runner import catch_up
from tests.support.api_client import api_client
from tests.support.builders import Catalog

START = datetime(2025, 2, 3, 9, tzinfo=UTC)
# external id -> (city, stars, rating out of 5): four 3-star hotels of Springfield ranked by
# their ratings, one 4-star hotel and one 3-star hotel elsewhere, one hotel of no city.
HOTELS = {
    "S3-A": ("Springfield", 3, 4.8),
    "S3-B": ("Springfield", 3, 4.0),
    "S3-C": ("Springfield", 3, 3.0),
    "S3-D": ("Springfield", 3, 2.0),
    "S4-A": ("Springfield", 4, 4.5),
    "X3-A": ("Shelbyville", 3, 4.9),
    "NOWHERE": (None, 3, 4.2),
}


def _line(external: str, n: int) -> dict[str, Any]:
    city, stars, rating = HOTELS[external]
    line: dict[str, Any] = {
        "id": f"rev-{external}-{n}",
        "hotel_id": external,
        "hotel_name": f"Hotel {external}",
        "hotel_star_rating": stars,
        "rating": rating,
        "title": "Stay",
        "comment": "The room was clean and the staff were friendly and helpful.",
        "review_date": (START + timedelta(days=n)).isoformat(),
        "language": "en",
        "reviewer_name": f"Guest {n}",
        "source": "group-feed",
    }
    if city is not None:
        line["hotel_city"] = city
    return line


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def scored(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """The hotels' reviews ingested and caught up; hotel ids by external id."""
    feed = tmp_path / "group_sets_2025-03-01.jsonl"
    feed.write_text(
        "".join(json.dumps(_line(external, n)) + "\n" for external in HOTELS for n in range(8))
    )
    await ingest_paths(engine=engine, settings=settings, paths=[str(feed)])
    await catch_up(engine=engine, settings=settings)
    async with engine.connect() as connection:
        found = await connection.execute(sa.select(hotels.c.external_id, hotels.c.id))
        return {external: hotel_id for external, hotel_id in found}


async def test_the_set_is_the_city_s_hotels_of_the_band_best_first_with_the_hotel_s_rank(
    client: httpx.AsyncClient, scored: dict[str, int]
) -> None:
    response = await client.get(f"/api/v1/hotels/{scored['S3-C']}/competitive-set")

    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["hotel_id"] for item in body["items"]] == [
        scored[external] for external in ("S3-A", "S3-B", "S3-C", "S3-D")
    ]
    assert [item["rank"] for item in body["items"]] == [1, 2, 3, 4]
    indices = [item["index"] for item in body["items"]]
    assert indices == sorted(indices, reverse=True) and len(set(indices)) == 4
    assert body["items"][0]["name"] == "Hotel S3-A"
    assert (body["status"], body["city"], body["band"]) == ("scored", "Springfield", "3")
    assert (body["rank"], body["size"], body["next_cursor"]) == (3, 4, None)
    reputation = (await client.get(f"/api/v1/hotels/{scored['S3-C']}/reputation")).json()
    assert reputation["competitive_set"] == {"band": "3", "rank": 3, "size": 4}
    assert body["items"][2]["index"] == reputation["index"]


async def test_the_set_pages_with_a_cursor_and_counts_on_request(
    client: httpx.AsyncClient, scored: dict[str, int]
) -> None:
    url = f"/api/v1/hotels/{scored['S3-A']}/competitive-set"
    first = (await client.get(url, params={"limit": 3, "include_total": "true"})).json()
    second = (await client.get(url, params={"limit": 3, "cursor": first["next_cursor"]})).json()

    assert [item["rank"] for item in first["items"]] == [1, 2, 3]
    assert (first["total"], first["total_exact"]) == (4, True)
    assert [item["hotel_id"] for item in second["items"]] == [scored["S3-D"]]
    assert second["next_cursor"] is None


async def test_a_hotel_of_another_band_or_of_no_city_competes_apart(
    client: httpx.AsyncClient, scored: dict[str, int]
) -> None:
    four_star = (await client.get(f"/api/v1/hotels/{scored['S4-A']}/competitive-set")).json()
    nowhere = (await client.get(f"/api/v1/hotels/{scored['NOWHERE']}/competitive-set")).json()

    assert [item["hotel_id"] for item in four_star["items"]] == [scored["S4-A"]]
    assert (four_star["band"], four_star["rank"], four_star["size"]) == ("4", 1, 1)
    assert [item["hotel_id"] for item in nowhere["items"]] == [scored["NOWHERE"]]
    assert (nowhere["city"], nowhere["rank"], nowhere["size"]) == (None, 1, 1)


async def test_no_such_hotel_is_404_an_unscored_one_not_scored_and_a_bad_cursor_422(
    client: httpx.AsyncClient, engine: AsyncEngine, scored: dict[str, int]
) -> None:
    quiet = await Catalog(engine).hotel("Quiet House", city="Springfield")

    missing = await client.get(f"/api/v1/hotels/{quiet + 1000}/competitive-set")
    unscored = await client.get(f"/api/v1/hotels/{quiet}/competitive-set")
    bad_cursor = await client.get(
        f"/api/v1/hotels/{scored['S3-A']}/competitive-set", params={"cursor": "not-a-cursor"}
    )

    assert missing.status_code == 404
    assert missing.json()["code"] == "hotel_not_found"
    assert unscored.status_code == 200
    body = unscored.json()
    assert (body["status"], body["items"], body["rank"]) == ("not_scored", [], None)
    assert "not scored yet" in body["reason"]
    assert bad_cursor.status_code == 422
