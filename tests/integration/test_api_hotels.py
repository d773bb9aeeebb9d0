"""GET /api/v1/hotels and /api/v1/hotels/{id}: content, filters, sorting, keyset paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.hotels.schemas import HotelPage, HotelRead
from tests.support.api_client import api_client, get_json, recorded_statements, walk
from tests.support.builders import Catalog

HOTELS = "/api/v1/hotels"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def town(engine: AsyncEngine) -> dict[str, int]:
    """Five hotels: two in Singapore (spelled differently), one rated in Hanoi, two in Berlin."""
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda", key="332")
    expedia = await catalog.provider("Expedia", key="333")
    ids = {
        "harbour": await catalog.hotel(
            "Harbourfront Lantern Hotel",
            city="Singapore",
            country="Singapore",
            address="1 Harbour Walk",
            stars=4.0,
            latitude=1.2834,
            longitude=103.8607,
            amenities=["wifi", "pool"],
        ),
        "marina": await catalog.hotel("Marina Crescent", city="SINGAPORE", country="singapore"),
        "hanoi": await catalog.hotel("Old Quarter Inn", city="Hanoi", country="Vietnam"),
        "berlin": await catalog.hotel("Mitte 100%_Hotel", city="Berlin", country="Germany"),
        "empty": await catalog.hotel("Empty House", city="Berlin", country="Germany"),
        "agoda": agoda,
        "expedia": expedia,
    }
    day = datetime(2025, 3, 1, tzinfo=UTC)
    for rating, traveller, provider in (
        (8.8, "couple", agoda),
        (5.2, "business", agoda),
        (9.0, "family", expedia),
    ):
        await catalog.review(
            ids["harbour"],
            provider,
            rating=rating,
            review_date=day,
            traveller_type=traveller,
            aspects={"cleanliness": 9.0, "location": rating},
        )
    await catalog.review(ids["marina"], agoda, rating=9.5, review_date=day)
    for rating in (7.0, 7.0, 7.0, 6.0):
        await catalog.review(ids["hanoi"], agoda, rating=rating, review_date=day)
    await catalog.review(
        ids["berlin"],
        agoda,
        rating=4.5,
        review_date=datetime(2025, 3, 9, tzinfo=UTC),
        rating_scale=5.0,
    )
    await catalog.standing(
        ids["harbour"],
        agoda,
        as_of=date(2025, 3, 1),
        score=8.0,
        review_count=1000,
        grades={"Location": 9.0},
    )
    await catalog.standing(
        ids["harbour"],
        agoda,
        as_of=date(2025, 3, 16),
        score=8.3,
        review_count=1204,
        grades={"Location": 9.2, "Service": 8.4},
    )
    await catalog.standing(
        ids["harbour"], expedia, as_of=date(2025, 3, 10), score=8.5, review_count=300, grades={}
    )
    await catalog.refresh_summaries()
    return ids


async def names(client: httpx.AsyncClient, **params: object) -> list[str]:
    body = await get_json(client, HOTELS, **params)
    return [item["name"] for item in body["items"]]


async def test_list_items_carry_counts_and_rounded_means(
    client: httpx.AsyncClient, town: dict[str, int]
) -> None:
    body = await get_json(client, HOTELS, include_total="true")
    HotelPage.model_validate(body)
    assert body["total"] == 5 and body["next_cursor"] is None
    by_name = {item["name"]: item for item in body["items"]}
    harbour = by_name["Harbourfront Lantern Hotel"]
    assert harbour["id"] == town["harbour"]
    assert harbour["review_count"] == 3
    assert harbour["average_rating"] == 7.67  # (8.8 + 5.2 + 9.0) / 3, 2 decimals
    assert harbour["latest_review_at"] == "2025-03-01T00:00:00+00:00"
    assert harbour["city"] == "Singapore" and harbour["stars"] == 4.0
    assert by_name["Mitte 100%_Hotel"]["average_rating"] == 9.0  # 4.5 of 5 -> 9.0 of 10
    assert by_name["Empty House"] == {
        "id": town["empty"],
        "external_id": by_name["Empty House"]["external_id"],
        "name": "Empty House",
        "city": "Berlin",
        "country": "Germany",
        "stars": None,
        "review_count": 0,
        "average_rating": None,
        "latest_review_at": None,
    }


async def test_sorts_put_unrated_hotels_last_and_break_ties_by_id(
    client: httpx.AsyncClient, town: dict[str, int]
) -> None:
    assert await names(client) == [
        "Marina Crescent",
        "Mitte 100%_Hotel",
        "Harbourfront Lantern Hotel",
        "Old Quarter Inn",
        "Empty House",
    ]
    assert await names(client, sort="reviews") == [
        "Old Quarter Inn",
        "Harbourfront Lantern Hotel",
        "Marina Crescent",
        "Mitte 100%_Hotel",
        "Empty House",
    ]
    assert await names(client, sort="name") == [
        "Empty House",
        "Harbourfront Lantern Hotel",
        "Marina Crescent",
        "Mitte 100%_Hotel",
        "Old Quarter Inn",
    ]


async def test_filters_compare_city_and_country_case_insensitively(
    client: httpx.AsyncClient, town: dict[str, int]
) -> None:
    assert await names(client, city="singapore", sort="name") == [
        "Harbourfront Lantern Hotel",
        "Marina Crescent",
    ]
    assert await names(client, country="GERMANY", sort="name") == [
        "Empty House",
        "Mitte 100%_Hotel",
    ]
    assert await names(client, city="Singapur") == []
    assert await names(client, min_rating=9) == ["Marina Crescent", "Mitte 100%_Hotel"]
    assert await names(client, min_reviews=3, sort="name") == [
        "Harbourfront Lantern Hotel",
        "Old Quarter Inn",
    ]
    assert await names(client, min_reviews=0) == await names(client)
    assert await names(client, q="QUARTER") == ["Old Quarter Inn"]


async def test_name_search_treats_like_wildcards_as_plain_characters(
    client: httpx.AsyncClient, town: dict[str, int]
) -> None:
    assert await names(client, q="100%_") == ["Mitte 100%_Hotel"]
    assert await names(client, q="%") == ["Mitte 100%_Hotel"]
    assert await names(client, q="_") == ["Mitte 100%_Hotel"]
    assert await names(client, q="ma%a") == []


async def test_detail_has_attributes_summary_breakdowns_and_latest_standings(
    client: httpx.AsyncClient, town: dict[str, int]
) -> None:
    body = await get_json(client, f"{HOTELS}/{town['harbour']}")
    HotelRead.model_validate(body)
    assert body["address"] == "1 Harbour Walk"
    assert body["coordinates"] == {"latitude": 1.2834, "longitude": 103.8607}
    assert body["amenities"] == ["wifi", "pool"]
    assert body["review_count"] == 3 and body["average_rating"] == 7.67
    assert body["histogram"] == {
        "1": 0,
        "2": 0,
        "3": 0,
        "4": 0,
        "5": 1,
        "6": 0,
        "7": 0,
        "8": 0,
        "9": 2,
        "10": 0,
    }
    assert body["by_provider"] == [
        {
            "provider_id": town["agoda"],
            "provider_name": "Agoda",
            "review_count": 2,
            "average_rating": 7.0,
        },
        {
            "provider_id": town["expedia"],
            "provider_name": "Expedia",
            "review_count": 1,
            "average_rating": 9.0,
        },
    ]
    assert body["by_aspect"] == [
        {"aspect": "cleanliness", "review_count": 3, "average_rating": 9.0},
        {"aspect": "location", "review_count": 3, "average_rating": 7.67},
    ]
    assert {t["traveller_type"]: t["review_count"] for t in body["by_traveller_type"]} == {
        "business": 1,
        "couple": 1,
        "family": 1,
    }
    assert body["provider_standings"] == [
        {
            "provider_id": town["agoda"],
            "provider_name": "Agoda",
            "score": 8.3,
            "review_count": 1204,
            "grades": {"Location": 9.2, "Service": 8.4},
            "as_of": "2025-03-16",
        },
        {
            "provider_id": town["expedia"],
            "provider_name": "Expedia",
            "score": 8.5,
            "review_count": 300,
            "grades": {},
            "as_of": "2025-03-10",
        },
    ]
    assert body["created_at"].endswith("+00:00")


async def test_detail_of_a_hotel_without_reviews_has_an_empty_summary(
    client: httpx.AsyncClient, town: dict[str, int]
) -> None:
    body = await get_json(client, f"{HOTELS}/{town['empty']}")
    assert body["review_count"] == 0 and body["average_rating"] is None
    assert body["histogram"] == {str(k): 0 for k in range(1, 11)}
    assert body["by_provider"] == body["by_aspect"] == body["by_traveller_type"] == []
    assert body["provider_standings"] == [] and body["coordinates"] is None
    assert body["amenities"] == []


async def test_detail_takes_one_query(client: httpx.AsyncClient, town: dict[str, int]) -> None:
    await get_json(client, f"{HOTELS}/{town['harbour']}")  # warm up caches
    async with recorded_statements(client) as statements:
        await get_json(client, f"{HOTELS}/{town['harbour']}")
    assert len(statements) == 1, statements
    async with recorded_statements(client) as statements:
        await get_json(client, HOTELS)
    assert len(statements) == 1, statements


async def test_unknown_hotel_is_a_404_problem(
    client: httpx.AsyncClient, town: dict[str, int]
) -> None:
    body = await get_json(client, f"{HOTELS}/987654", status=404)
    assert body["code"] == "hotel_not_found" and body["status"] == 404
    assert body["detail"] == "hotel 987654 does not exist"
    assert body["instance"] == f"{HOTELS}/987654"
    assert body["type"].endswith("hotel_not_found")


@pytest.fixture
async def many_hotels(engine: AsyncEngine) -> None:
    """23 hotels with many ties: ratings from 3 values or none, names from 4 values."""
    catalog = Catalog(engine)
    provider = await catalog.provider("Agoda")
    for i in range(23):
        hotel = await catalog.hotel(["Beta", "Alpha", "Gamma", "Delta"][i % 4])
        for _ in range(i % 3):
            rating = [6.0, 8.0, 9.5][i % 3]
            await catalog.review(
                hotel, provider, rating=rating, review_date=datetime(2025, 1, 1 + i, tzinfo=UTC)
            )
    await catalog.refresh_summaries()


@pytest.mark.parametrize("sort", ["rating", "reviews", "name"])
async def test_walking_all_pages_sees_every_hotel_once_in_order(
    client: httpx.AsyncClient, many_hotels: None, sort: str
) -> None:
    pages = await walk(client, HOTELS, sort=sort, limit=4)
    items = [item for page in pages for item in page]
    assert [len(page) for page in pages] == [4, 4, 4, 4, 4, 3]
    assert len({item["id"] for item in items}) == 23
    one_page = (await get_json(client, HOTELS, sort=sort, limit=100))["items"]
    assert items == one_page
    keys = {
        "rating": lambda h: (
            -(h["average_rating"] if h["average_rating"] is not None else -1),
            h["id"],
        ),
        "reviews": lambda h: (-h["review_count"], h["id"]),
        "name": lambda h: (h["name"], h["id"]),
    }
    assert items == sorted(items, key=keys[sort])


async def test_filters_and_totals_hold_across_pages(
    client: httpx.AsyncClient, many_hotels: None
) -> None:
    first = await get_json(client, HOTELS, min_reviews=1, limit=5, include_total="true")
    assert first["total"] == 15
    pages = await walk(client, HOTELS, min_reviews=1, limit=5)
    assert sum(len(page) for page in pages) == 15
    assert all(item["review_count"] >= 1 for page in pages for item in page)


async def test_a_cursor_of_one_sort_is_refused_by_another(
    client: httpx.AsyncClient, many_hotels: None
) -> None:
    cursor = (await get_json(client, HOTELS, sort="name", limit=2))["next_cursor"]
    body = await get_json(client, HOTELS, sort="rating", cursor=cursor, status=422)
    assert body["code"] == "invalid_cursor"
    assert body["errors"][0]["field"] == "query.cursor"
