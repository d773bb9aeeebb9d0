"""GET /api/v1/providers and /api/v1/ingestions[/{id}[/rejected-lines]]."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.runs.schemas import IngestionPage, IngestionRead, RejectedLinePage
from hotelreviews.providers.schemas import ProviderPage
from tests.support.api_client import api_client, get_json, walk
from tests.support.builders import Catalog

T0 = datetime(2025, 3, 16, 8, 0, tzinfo=UTC)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings, roles=["admin"]) as client:
        yield client


async def test_providers_list_their_scale_and_review_count(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda", key="332")
    feed = await catalog.provider("Group feed", key="feed:group", rating_scale=5.0)
    idle = await catalog.provider(None, key="999")
    hotels = [await catalog.hotel("A"), await catalog.hotel("B")]
    for hotel in hotels:
        await catalog.review(hotel, agoda, rating=8.0, review_date=T0)
    await catalog.review(hotels[0], feed, rating=4.0, rating_scale=5.0, review_date=T0)
    await catalog.refresh_summaries()

    body = await get_json(client, "/api/v1/providers", include_total="true")
    ProviderPage.model_validate(body)
    assert body == {
        "items": [
            {"id": agoda, "key": "332", "name": "Agoda", "rating_scale": 10.0, "review_count": 2},
            {
                "id": feed,
                "key": "feed:group",
                "name": "Group feed",
                "rating_scale": 5.0,
                "review_count": 1,
            },
            {"id": idle, "key": "999", "name": None, "rating_scale": 10.0, "review_count": 0},
        ],
        "next_cursor": None,
        "total": 3,
        "total_exact": True,
    }
    pages = await walk(client, "/api/v1/providers", limit=2)
    assert [[item["id"] for item in page] for page in pages] == [[agoda, feed], [idle]]


@pytest.fixture
async def runs(engine: AsyncEngine) -> dict[str, int]:
    """Seven runs (two started at the same instant) and 25 rejected lines on one of them."""
    catalog = Catalog(engine)
    ids = {}
    for i in range(6):
        ids[f"run{i}"] = await catalog.ingestion(
            display_name=f"feed_{i}.jl", started_at=T0 + timedelta(hours=i)
        )
    ids["twin"] = await catalog.ingestion(
        display_name="twin.jl", started_at=T0 + timedelta(hours=5)
    )
    ids["broken"] = await catalog.ingestion(
        display_name="broken_lines.jl",
        source_uri="file:///feeds/broken_lines.jl",
        started_at=T0 - timedelta(days=1),
        finished_at=None,
        status="failed",
        error="disk vanished",
        lines_done=40,
        lines_blank=2,
        reviews_new=11,
        reviews_updated=1,
        reviews_unchanged=1,
        lines_rejected=25,
        rejected_by_reason={"invalid_json": 20, "missing_field": 5},
        duration_seconds=None,
        lines_per_second=None,
    )
    for line in range(40, 15, -1):  # written out of order on purpose
        await catalog.rejected_line(ids["broken"], line, excerpt=f"line {line} ✗")
    await catalog.rejected_line(ids["run0"], 1)
    return ids


async def test_ingestions_are_listed_newest_first_across_pages(
    client: httpx.AsyncClient, runs: dict[str, int]
) -> None:
    pages = await walk(client, "/api/v1/ingestions", limit=3)
    for page in pages:
        IngestionPage.model_validate(
            {"items": page, "next_cursor": None, "total": None, "total_exact": None}
        )
    names = [item["display_name"] for page in pages for item in page]
    # Two runs started at the same instant: the later id comes first.
    assert names == [
        "twin.jl",
        "feed_5.jl",
        "feed_4.jl",
        "feed_3.jl",
        "feed_2.jl",
        "feed_1.jl",
        "feed_0.jl",
        "broken_lines.jl",
    ]
    first = await get_json(client, "/api/v1/ingestions", limit=3, include_total="true")
    assert first["total"] == 8


async def test_an_ingestion_shows_its_counts_status_and_times(
    client: httpx.AsyncClient, runs: dict[str, int]
) -> None:
    body = await get_json(client, f"/api/v1/ingestions/{runs['broken']}")
    IngestionRead.model_validate(body)
    assert body["status"] == "failed" and body["error"] == "disk vanished"
    assert body["counts"] == {
        "lines_done": 40,
        "blank": 2,
        "new": 11,
        "updated": 1,
        "unchanged": 1,
        "rejected": 25,
        "rejected_by_reason": {"invalid_json": 20, "missing_field": 5},
    }
    assert body["started_at"] == "2025-03-15T08:00:00+00:00"
    assert body["finished_at"] is None and body["lines_per_second"] is None
    assert body["source_uri"] == "file:///feeds/broken_lines.jl"
    done = await get_json(client, f"/api/v1/ingestions/{runs['run1']}")
    assert done["status"] == "succeeded" and done["finished_at"] == "2025-03-16T08:00:00+00:00"
    assert done["lines_per_second"] == 100.0


async def test_rejected_lines_come_by_line_number_across_pages(
    client: httpx.AsyncClient, runs: dict[str, int]
) -> None:
    url = f"/api/v1/ingestions/{runs['broken']}/rejected-lines"
    first = await get_json(client, url, limit=10, include_total="true")
    RejectedLinePage.model_validate(first)
    assert first["total"] == 25
    assert first["items"][0] == {
        "line_number": 16,
        "reason": "invalid_json",
        "message": "line 16 is not JSON",
        "excerpt": "line 16 ✗",
    }
    pages = await walk(client, url, limit=10)
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [item["line_number"] for page in pages for item in page] == list(range(16, 41))
    empty = await get_json(client, f"/api/v1/ingestions/{runs['run1']}/rejected-lines")
    assert empty == {"items": [], "next_cursor": None, "total": None, "total_exact": None}


async def test_unknown_ingestions_are_404_problems(
    client: httpx.AsyncClient, runs: dict[str, int]
) -> None:
    for url in ("/api/v1/ingestions/777777", "/api/v1/ingestions/777777/rejected-lines"):
        body = await get_json(client, url, status=404)
        assert body["code"] == "ingestion_not_found"
        assert body["detail"] == "ingestion 777777 does not exist"
