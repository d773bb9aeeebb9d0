"""The response cache in front of the real API, on both databases, with real ingestion."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.cache.repository import read_data_version
from hotelreviews.core import migrations
from hotelreviews.core.database import read_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.api_client import api_client, api_key_headers
from tests.support.cache import HOTELS, app_queries, changed, with_response_cache, write_feed
from tests.support.feeds import nested_line


@pytest.fixture
def cache_settings(settings: Settings) -> Settings:
    """The test database with the cache on, polled often; entries never expire during a test,
    so only a new data version can make the cache answer differently."""
    return with_response_cache(settings)


@pytest.fixture
async def hotel_ids(cache_settings: Settings, engine: AsyncEngine, tmp_path: Path) -> list[int]:
    """Three hotels with reviews, ingested by the real ingester."""
    paths = [
        write_feed(tmp_path / f"hotel{h}.jl", hotel=h, reviews=range(h * 100, h * 100 + h))
        for h in (1, 2, 3)
    ]
    await ingest_paths(engine=engine, settings=cache_settings, paths=paths)
    async with api_client(cache_settings) as client:
        body = (await client.get(HOTELS, params={"sort": "name"})).json()
    return [hotel["id"] for hotel in body["items"]]


@pytest.fixture
async def client(
    cache_settings: Settings, hotel_ids: list[int]
) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(cache_settings) as client:
        yield client


async def test_a_repeated_request_is_answered_from_the_cache_with_the_same_bytes(
    client: httpx.AsyncClient, hotel_ids: list[int]
) -> None:
    url = f"{HOTELS}/{hotel_ids[0]}"
    async with app_queries(client) as first_queries:
        first = await client.get(url)
    async with app_queries(client) as second_queries:
        second = await client.get(url)

    assert first.status_code == second.status_code == 200
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first_queries and not second_queries
    assert second.content == first.content
    for name in ("etag", "cache-control", "content-type", "content-length"):
        assert second.headers[name] == first.headers[name]
    assert first.headers["cache-control"] == "public, max-age=5"
    assert first.headers["etag"].startswith('"') and len(first.headers["etag"]) == 34


async def test_the_order_of_query_parameters_does_not_matter(client: httpx.AsyncClient) -> None:
    first = await client.get(f"{HOTELS}?sort=name&limit=2&include_total=true")
    async with app_queries(client) as queries:
        second = await client.get(f"{HOTELS}?include_total=true&limit=2&sort=name")
    assert second.headers["x-cache"] == "hit" and not queries
    assert second.content == first.content and second.json()["total"] == 3


@pytest.mark.parametrize(
    "url",
    [
        "{hotels}?sort=name",
        "{hotels}/{hotel}/reviews?limit=2",
        "/api/v1/reviews/search?q=stay",
        "/api/v1/providers",
        "{hotels}/{hotel}",
    ],
)
async def test_every_hot_read_route_is_cached(
    client: httpx.AsyncClient, hotel_ids: list[int], url: str
) -> None:
    url = url.format(hotels=HOTELS, hotel=hotel_ids[2])
    first = await client.get(url)
    async with app_queries(client) as queries:
        second = await client.get(url)
    assert first.status_code == 200 and first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit" and not queries


async def test_a_review_by_id_is_cached(client: httpx.AsyncClient, hotel_ids: list[int]) -> None:
    page = (await client.get(f"{HOTELS}/{hotel_ids[0]}/reviews")).json()
    url = f"/api/v1/reviews/{page['items'][0]['id']}"
    await client.get(url)
    async with app_queries(client) as queries:
        again = await client.get(url)
    assert again.status_code == 200 and again.headers["x-cache"] == "hit" and not queries


async def test_a_matching_if_none_match_gets_304_and_no_body(
    client: httpx.AsyncClient, hotel_ids: list[int]
) -> None:
    url = f"{HOTELS}/{hotel_ids[1]}"
    full = await client.get(url)
    etag = full.headers["etag"]

    for header in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        response = await client.get(url, headers={"if-none-match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == "public, max-age=5"

    other = await client.get(url, headers={"if-none-match": '"stale", W/"older"'})
    assert other.status_code == 200 and other.content == full.content


async def test_a_miss_answers_304_too_since_the_etag_is_a_hash_of_the_body(
    client: httpx.AsyncClient,
) -> None:
    listed = await client.get(HOTELS, params={"sort": "name"})
    # Another URL, so another entry, with the same body: the same ETag.
    async with app_queries(client) as queries:
        response = await client.get(
            HOTELS,
            params={"sort": "name", "include_total": "false"},
            headers={"if-none-match": listed.headers["etag"]},
        )
    assert queries and response.headers["x-cache"] == "miss"
    assert response.status_code == 304 and response.content == b""


async def test_head_gets_the_headers_of_get_without_the_body(
    client: httpx.AsyncClient, hotel_ids: list[int]
) -> None:
    url = f"{HOTELS}/{hotel_ids[0]}/reviews"
    cold = await client.head(url)
    async with app_queries(client) as queries:
        warm = await client.head(url)
        get = await client.get(url)

    assert (cold.status_code, cold.content, cold.headers["x-cache"]) == (200, b"", "miss")
    assert (warm.status_code, warm.content, warm.headers["x-cache"]) == (200, b"", "hit")
    assert get.headers["x-cache"] == "hit" and not queries
    assert int(cold.headers["content-length"]) == len(get.content) > 0
    assert cold.headers["etag"] == warm.headers["etag"] == get.headers["etag"]


@pytest.mark.parametrize(
    ("url", "status"),
    [(f"{HOTELS}/999999", 404), (f"{HOTELS}?limit=0", 422), (f"{HOTELS}/999999/reviews", 404)],
)
async def test_errors_are_never_stored(client: httpx.AsyncClient, url: str, status: int) -> None:
    for _ in range(2):
        response = await client.get(url)
        assert response.status_code == status
        assert response.headers["x-cache"] == "miss"
        assert "etag" not in response.headers and "cache-control" not in response.headers
    if status == 404:
        async with app_queries(client) as queries:
            await client.get(url)
        assert queries


async def test_a_request_with_credentials_bypasses_the_cache(
    client: httpx.AsyncClient, hotel_ids: list[int]
) -> None:
    url = f"{HOTELS}/{hotel_ids[0]}"
    await client.get(url)  # stored
    credentials = await api_key_headers(client, "analyst")
    for headers in (credentials, credentials, {"authorization": "Bearer not-a-token"}):
        async with app_queries(client) as queries:
            response = await client.get(url, headers=headers)
        # A bad token is refused by the route's policy, not answered from the cache.
        expected = 401 if "authorization" in headers else 200
        assert response.status_code == expected and (queries or expected == 401)
        assert "x-cache" not in response.headers and "etag" not in response.headers


async def test_health_and_ingestion_runs_are_never_cached(client: httpx.AsyncClient) -> None:
    for url in ("/livez", "/readyz", "/openapi.json"):
        response = await client.get(url)
        assert response.status_code == 200
        assert "x-cache" not in response.headers and "cache-control" not in response.headers
    credentials = await api_key_headers(client, "analyst")
    for _ in range(2):
        # Anonymous: refused, and the refusal is not stored either.
        anonymous = await client.get("/api/v1/ingestions")
        assert anonymous.status_code == 401
        assert anonymous.headers["x-cache"] == "miss" and "etag" not in anonymous.headers
        async with app_queries(client) as queries:
            runs = await client.get("/api/v1/ingestions", headers=credentials)
        assert runs.status_code == 200 and queries
        assert "etag" not in runs.headers and "cache-control" not in runs.headers


async def test_concurrent_requests_for_a_cold_key_query_the_database_once(
    client: httpx.AsyncClient, hotel_ids: list[int]
) -> None:
    async with app_queries(client) as one_request:
        await client.get(f"{HOTELS}/{hotel_ids[0]}")
    assert one_request

    url = f"{HOTELS}/{hotel_ids[1]}"
    async with app_queries(client) as queries:
        responses = await asyncio.gather(*(client.get(url) for _ in range(100)))

    assert len(queries) == len(one_request)
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert sorted(r.headers["x-cache"] for r in responses) == ["hit"] * 99 + ["miss"]


async def test_an_ingested_change_is_served_after_the_next_version_poll(
    client: httpx.AsyncClient,
    hotel_ids: list[int],
    cache_settings: Settings,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    url = f"{HOTELS}/{hotel_ids[0]}"
    before = await client.get(url)
    assert (await client.get(url)).headers["x-cache"] == "hit"
    assert before.json()["review_count"] == 1

    feed = write_feed(tmp_path / "more.jl", hotel=1, reviews=range(900, 903), rating=2.0)
    await ingest_paths(engine=engine, settings=cache_settings, paths=[feed])

    after = await changed(client, url, before.content)
    assert after.json()["review_count"] == 4
    assert after.headers["etag"] != before.headers["etag"]
    assert (await client.get(url)).headers[
        "x-cache"
    ] == "hit"  # cached again, under the new version


async def test_every_committed_batch_bumps_the_data_version_once(
    cache_settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    async def version() -> int:
        async with read_transaction(engine) as connection:
            return await read_data_version(connection)

    assert await version() == 0
    # 1,200 lines in batches of 500: three batches.
    feed = write_feed(tmp_path / "big.jl", hotel=5, reviews=range(1, 1201))
    await ingest_paths(engine=engine, settings=cache_settings, paths=[feed])
    assert cache_settings.ingest_batch_size == 500
    assert await version() == 3


async def test_when_the_version_cannot_be_read_the_cache_keeps_serving(
    client: httpx.AsyncClient,
    hotel_ids: list[int],
    cache_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"{HOTELS}/{hotel_ids[0]}"
    stored = await client.get(url)
    # Without its table the version cannot be read: the poll fails from now on.
    await asyncio.to_thread(migrations.downgrade, cache_settings, "0001")
    with caplog.at_level(logging.WARNING, logger="hotelreviews.cache"):
        for _ in range(500):
            if "could not read the data version" in caplog.text:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("no failed poll was logged")
    again = await client.get(url)
    assert again.headers["x-cache"] == "hit" and again.content == stored.content


async def test_the_least_recently_used_entries_make_room(
    cache_settings: Settings, hotel_ids: list[int]
) -> None:
    settings = cache_settings.model_copy(update={"cache_max_entries": 2})
    urls = [f"{HOTELS}/{hotel_id}" for hotel_id in hotel_ids]
    async with api_client(settings) as client:
        for url in urls:  # the third evicts the first
            await client.get(url)
        outcomes = [(await client.get(url)).headers["x-cache"] for url in reversed(urls)]
    assert outcomes == ["hit", "hit", "miss"]


async def test_a_body_larger_than_an_entry_may_be_is_served_but_not_kept(
    cache_settings: Settings, hotel_ids: list[int]
) -> None:
    small = f"{HOTELS}/{hotel_ids[0]}/reviews?limit=1"
    large = f"{HOTELS}/{hotel_ids[2]}/reviews?limit=3"
    async with api_client(cache_settings) as client:
        limit = len((await client.get(small)).content)
    settings = cache_settings.model_copy(update={"cache_max_entry_bytes": limit})
    async with api_client(settings) as client:
        for _ in range(2):
            response = await client.get(large)
            assert response.status_code == 200 and len(response.json()["items"]) == 3
            assert response.headers["x-cache"] == "miss" and "etag" not in response.headers
        await client.get(small)
        assert (await client.get(small)).headers["x-cache"] == "hit"


async def test_with_the_cache_off_routes_still_send_cache_control(
    settings: Settings, hotel_ids: list[int]
) -> None:
    assert not settings.cache_enabled
    async with api_client(settings) as client:
        for _ in range(2):
            async with app_queries(client) as queries:
                response = await client.get(f"{HOTELS}/{hotel_ids[0]}")
            assert response.status_code == 200 and queries
            assert response.headers["cache-control"] == "public, max-age=5"
            assert "etag" not in response.headers and "x-cache" not in response.headers


async def test_an_ingest_invalidates_the_hotels_it_touched_and_the_lists_not_other_hotels(
    client: httpx.AsyncClient,
    hotel_ids: list[int],
    cache_settings: Settings,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    touched, untouched = f"{HOTELS}/{hotel_ids[0]}", f"{HOTELS}/{hotel_ids[1]}"
    others = [untouched, f"{untouched}/reviews?limit=2"]
    listed = f"{HOTELS}?sort=name"
    before = {url: await client.get(url) for url in [touched, *others, listed]}

    feed = write_feed(tmp_path / "more.jl", hotel=1, reviews=range(900, 902), rating=2.0)
    await ingest_paths(engine=engine, settings=cache_settings, paths=[feed])

    after = await changed(client, touched, before[touched].content)
    assert after.json()["review_count"] == 3
    async with app_queries(client) as queries:
        kept = [await client.get(url) for url in others]
    assert [r.headers["x-cache"] for r in kept] == ["hit", "hit"] and not queries
    assert [r.content for r in kept] == [before[url].content for url in others]
    relisted = await client.get(listed)
    assert relisted.headers["x-cache"] == "miss"
    assert [h["review_count"] for h in relisted.json()["items"]] == [3, 2, 3]


def unnamed_provider_line(*, hotel: int, review: int, name: str | None) -> bytes:
    """A review from provider 9001, which no table knows: named only if the line says so."""
    line = nested_line(hotel=hotel, review=review, rating=8.0, text="Fine.", provider=9001)
    line["overallByProviders"][0]["provider"] = name
    return orjson.dumps(line)


async def test_a_provider_name_filled_in_reaches_every_hotel_page_that_shows_it(
    cache_settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    unnamed = tmp_path / "unnamed.jl"
    unnamed.write_bytes(
        b"\n".join(unnamed_provider_line(hotel=h, review=h, name=None) for h in (1, 2)) + b"\n"
    )
    await ingest_paths(engine=engine, settings=cache_settings, paths=[str(unnamed)])
    async with api_client(cache_settings) as client:
        items = (await client.get(HOTELS, params={"sort": "name"})).json()["items"]
        other = f"{HOTELS}/{items[1]['id']}"  # Hotel 2, which the next file leaves alone
        before = await client.get(other)
        assert before.json()["by_provider"][0]["provider_name"] is None
        assert (await client.get(other)).headers["x-cache"] == "hit"

        named = tmp_path / "named.jl"
        named.write_bytes(unnamed_provider_line(hotel=1, review=7, name="Ninety") + b"\n")
        await ingest_paths(engine=engine, settings=cache_settings, paths=[str(named)])

        after = await changed(client, other, before.content)
        assert after.json()["by_provider"][0]["provider_name"] == "Ninety"
