"""GET /api/v1/hotels/{id}/reviews and /api/v1/reviews/{id}: fields, filters, sorts, paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.reviews.schemas import ReviewPage, ReviewRead
from tests.support.api_client import api_client, get_json, recorded_statements, walk
from tests.support.builders import Catalog

START = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def catalog(engine: AsyncEngine) -> Catalog:
    return Catalog(engine)


@pytest.fixture
async def hotel(catalog: Catalog) -> dict[str, int]:
    """A hotel with 12 reviews: ratings with ties, days with ties, two providers."""
    agoda = await catalog.provider("Agoda")
    feed = await catalog.provider("Group feed", rating_scale=5.0)
    hotel = await catalog.hotel("Harbourfront Lantern Hotel")
    other = await catalog.hotel("Elsewhere")
    for i in range(12):
        await catalog.review(
            hotel,
            agoda if i % 3 else feed,
            rating=[4.5, 6.0, 8.0][i % 3],  # 4.5 of 5 is 9.0
            rating_scale=10.0 if i % 3 else 5.0,
            review_date=START + timedelta(days=i // 2),  # two reviews a day
            language=["en", "de", "vi"][i % 3],
            traveller_type=["solo", "couple", "family", "business"][i % 4],
            has_response=i % 4 == 0,
            title=f"review {i}",
        )
    await catalog.review(other, agoda, rating=1.0, review_date=START)
    return {"hotel": hotel, "other": other, "agoda": agoda, "feed": feed}


def reviews_of(hotel_id: int) -> str:
    return f"/api/v1/hotels/{hotel_id}/reviews"


async def titles(client: httpx.AsyncClient, hotel_id: int, **params: object) -> list[str]:
    body = await get_json(client, reviews_of(hotel_id), limit=100, **params)
    ReviewPage.model_validate(body)
    return [item["title"] for item in body["items"]]


async def test_review_detail_has_every_field(client: httpx.AsyncClient, catalog: Catalog) -> None:
    provider = await catalog.provider("Agoda", key="332")
    hotel = await catalog.hotel("Harbourfront Lantern Hotel")
    review_id = await catalog.review(
        hotel,
        provider,
        rating=8.8,
        review_date=datetime(2025, 3, 14, 1, 12, tzinfo=UTC),
        review_date_offset_minutes=480,
        provider_review_id="70000001",
        title="Lovely stay by the water",
        text="Room facing the bay was quiet.",
        positives="view",
        negatives="",
        language="en",
        stay_month=date(2025, 3, 1),
        traveller_type="couple",
        room_type="Deluxe King",
        length_of_stay=3,
        reviewer_country="Singapore",
        reviewer_name="*****",
        reviewer_review_count=4,
        reviewer_is_expert=False,
        has_response=True,
        response_responder="Front office",
        response_text="Thank you!",
        response_date_text="March 16, 2025",
        aspects={"cleanliness": 9.0},
    )
    body = await get_json(client, f"/api/v1/reviews/{review_id}")
    ReviewRead.model_validate(body)
    assert body == {
        "id": review_id,
        "provider": {"id": provider, "name": "Agoda"},
        "hotel": {"id": hotel, "name": "Harbourfront Lantern Hotel"},
        "provider_review_id": "70000001",
        "rating": 8.8,
        "rating_scale": 10.0,
        "rating_normalized": 8.8,
        "title": "Lovely stay by the water",
        "text": "Room facing the bay was quiet.",
        "positives": "view",
        "negatives": "",
        "language": "en",
        "review_date": "2025-03-14T01:12:00+00:00",
        "review_date_local": "2025-03-14T09:12:00+08:00",
        "review_date_offset_minutes": 480,
        "review_date_offset_missing": False,
        "stay_month": "2025-03-01",
        "traveller_type": "couple",
        "room_type": "Deluxe King",
        "length_of_stay": 3,
        "reviewer": {
            "country": "Singapore",
            "name": "*****",
            "review_count": 4,
            "is_expert": False,
        },
        "has_response": True,
        "response": {
            "responder": "Front office",
            "text": "Thank you!",
            "date_text": "March 16, 2025",
        },
        "aspects": {"cleanliness": 9.0},
        "first_seen_at": "2025-03-16T08:00:00+00:00",
        "last_changed_at": "2025-03-16T08:00:00+00:00",
        "flags": [],
    }


async def test_review_without_response_has_null_response(
    client: httpx.AsyncClient, hotel: dict[str, int]
) -> None:
    items = (await get_json(client, reviews_of(hotel["hotel"]), has_response="false"))["items"]
    assert items and all(item["response"] is None for item in items)
    items = (await get_json(client, reviews_of(hotel["hotel"]), has_response="true"))["items"]
    assert len(items) == 3 and all(item["response"] is not None for item in items)


async def test_unknown_review_and_unknown_hotel_are_404_problems(
    client: httpx.AsyncClient, hotel: dict[str, int]
) -> None:
    body = await get_json(client, "/api/v1/reviews/424242", status=404)
    assert body["code"] == "review_not_found" and body["detail"] == "review 424242 does not exist"
    body = await get_json(client, reviews_of(424242), status=404)
    assert body["code"] == "hotel_not_found"


async def test_a_hotel_without_matching_reviews_gives_an_empty_page(
    client: httpx.AsyncClient, hotel: dict[str, int]
) -> None:
    body = await get_json(client, reviews_of(hotel["hotel"]), min_rating=9.9, include_total="true")
    assert body == {"items": [], "next_cursor": None, "total": 0, "total_exact": True}


async def test_sorts(client: httpx.AsyncClient, hotel: dict[str, int]) -> None:
    newest = await get_json(client, reviews_of(hotel["hotel"]), limit=100)
    dates = [(item["review_date"], item["id"]) for item in newest["items"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 12
    oldest = await get_json(client, reviews_of(hotel["hotel"]), limit=100, sort="oldest")
    assert oldest["items"] == newest["items"][::-1]
    highest = (await get_json(client, reviews_of(hotel["hotel"]), limit=100, sort="highest"))[
        "items"
    ]
    keys = [(item["rating_normalized"], item["id"]) for item in highest]
    assert keys == sorted(keys, reverse=True)
    assert keys[0][0] == 9.0 and keys[-1][0] == 6.0
    lowest = (await get_json(client, reviews_of(hotel["hotel"]), limit=100, sort="lowest"))["items"]
    assert lowest == highest[::-1]


async def test_filters(client: httpx.AsyncClient, hotel: dict[str, int]) -> None:
    h = hotel["hotel"]
    by_feed = await get_json(client, reviews_of(h), provider_id=hotel["feed"], limit=100)
    assert len(by_feed["items"]) == 4
    assert {item["provider"]["name"] for item in by_feed["items"]} == {"Group feed"}
    assert {item["rating"] for item in by_feed["items"]} == {4.5}  # as delivered, 5-point
    assert await titles(client, h, min_rating=8.5, sort="oldest") == [
        "review 0",
        "review 3",
        "review 6",
        "review 9",
    ]
    assert await titles(client, h, max_rating=6, sort="oldest") == [
        "review 1",
        "review 4",
        "review 7",
        "review 10",
    ]
    assert await titles(client, h, min_rating=8, max_rating=8.0, sort="oldest") == [
        "review 2",
        "review 5",
        "review 8",
        "review 11",
    ]
    assert await titles(client, h, min_rating=8.01, max_rating=8.99) == []
    assert await titles(client, h, language="DE", sort="oldest") == [
        "review 1",
        "review 4",
        "review 7",
        "review 10",
    ]
    assert await titles(client, h, traveller_type="family", sort="oldest") == [
        "review 2",
        "review 6",
        "review 10",
    ]
    assert await titles(client, h, traveller_type="family", language="en") == ["review 6"]
    assert (
        await titles(client, h, traveller_type="family", language="de", has_response="true") == []
    )


async def test_since_and_until_take_dates_and_datetimes_with_offsets(
    client: httpx.AsyncClient, hotel: dict[str, int]
) -> None:
    h = hotel["hotel"]
    # Reviews fall on 2025-03-01 .. 2025-03-06 at midnight UTC, two per day.
    assert len(await titles(client, h, since="2025-03-05")) == 4
    assert len(await titles(client, h, until="2025-03-01")) == 2  # a date includes its day
    assert len(await titles(client, h, since="2025-03-02", until="2025-03-03")) == 4
    # 2025-03-03T00:00Z written at +08:00 is 2025-03-03T08:00+08:00.
    assert len(await titles(client, h, until="2025-03-03T08:00:00+08:00")) == 6
    assert len(await titles(client, h, until="2025-03-03T07:59:59+08:00")) == 4
    assert len(await titles(client, h, since="2025-03-06T00:00:00Z")) == 2
    # An unencoded "+" arrives as a space; the offset is still understood.
    response = await client.get(reviews_of(h) + "?since=2025-03-06T08:00:00+08:00&limit=100")
    assert response.status_code == 200 and len(response.json()["items"]) == 2
    assert await titles(client, h, since="2025-03-07") == []
    assert await titles(client, h, since="9999-12-31", until="9999-12-31") == []
    assert len(await titles(client, h, since="0001-01-01")) == 12


@pytest.mark.parametrize("sort", ["newest", "oldest", "highest", "lowest"])
async def test_walking_all_pages_sees_every_review_once_in_order(
    client: httpx.AsyncClient, hotel: dict[str, int], sort: str
) -> None:
    pages = await walk(client, reviews_of(hotel["hotel"]), sort=sort, limit=5)
    assert [len(page) for page in pages] == [5, 5, 2]
    items = [item for page in pages for item in page]
    everything = (await get_json(client, reviews_of(hotel["hotel"]), sort=sort, limit=100))["items"]
    assert items == everything


async def test_reviews_arriving_mid_walk_do_not_shift_pages(
    client: httpx.AsyncClient, hotel: dict[str, int], catalog: Catalog
) -> None:
    url = reviews_of(hotel["hotel"])
    before = (await get_json(client, url, limit=100))["items"]
    first = await get_json(client, url, limit=4, include_total="true")
    assert first["total"] == 12
    # A new newest review and one that lands on the page already read.
    await catalog.review(
        hotel["hotel"],
        hotel["agoda"],
        rating=7.0,
        review_date=START + timedelta(days=30),
        title="brand new",
    )
    await catalog.review(
        hotel["hotel"],
        hotel["agoda"],
        rating=7.0,
        review_date=START + timedelta(days=5, hours=1),
        title="late on day 6",
    )
    seen = list(first["items"])
    cursor = first["next_cursor"]
    while cursor:
        page = await get_json(client, url, limit=4, cursor=cursor)
        seen += page["items"]
        cursor = page["next_cursor"]
    assert [item["id"] for item in seen] == [item["id"] for item in before]


async def test_hotel_review_page_takes_one_query_and_one_for_its_flags(
    client: httpx.AsyncClient, hotel: dict[str, int]
) -> None:
    # The flags of the page's reviews come by one query of their ids, not a join per row.
    first = await get_json(client, reviews_of(hotel["hotel"]), limit=5)
    async with recorded_statements(client) as statements:
        await get_json(client, reviews_of(hotel["hotel"]), limit=5, cursor=first["next_cursor"])
    assert len(statements) == 2, statements
    assert "review_flags" in statements[1]
    async with recorded_statements(client) as statements:
        await get_json(client, "/api/v1/reviews/1")
    assert len(statements) == 2, statements


@pytest.mark.parametrize("sort", ["newest", "oldest", "highest", "lowest"])
async def test_an_unfiltered_first_page_is_the_page_of_a_filter_every_review_passes(
    client: httpx.AsyncClient, hotel: dict[str, int], sort: str
) -> None:
    # The unfiltered first page has a statement of its own, built once (the hot path); a
    # filter every review passes takes the general one. Same page, same cursor.
    url = reviews_of(hotel["hotel"])
    unfiltered = await get_json(client, url, sort=sort, limit=5)
    filtered = await get_json(client, url, sort=sort, limit=5, min_rating=0)
    assert unfiltered == filtered
    assert len(unfiltered["items"]) == 5 and unfiltered["next_cursor"] is not None
    last = await get_json(client, url, sort=sort, limit=12)
    assert (
        last["items"] == (await get_json(client, url, sort=sort, limit=12, min_rating=0))["items"]
    )
    assert last["next_cursor"] is None
