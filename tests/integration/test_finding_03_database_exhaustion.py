"""Finding 3 of issue 12: anonymous reads could exhaust the database.

No statement timeout; an unknown query parameter made every request a cache miss; searches
of any number of words with `include_total` counted every match; and nothing stopped a client
from holding every pooled connection with slow searches while other clients waited.

Slow requests are held deterministically: PostgreSQL reads wait on a table lock the test
holds (lock waits count towards statement_timeout), SQLite statements are run long enough for
the progress handler to look at a deadline already past, and searches are parked at the
database by a statement hook (or, run straight through the driver, in asyncpg's fetch) until
the test lets them go (`parked_searches`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

from hotelreviews.core.database import create_engine, read_transaction, write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.reviews.tables import reviews
from tests.support.api_client import TEST_HOST, api_client
from tests.support.builders import Catalog

SEARCH = "/api/v1/reviews/search"
HOTELS = "/api/v1/hotels"
DAY = datetime(2025, 3, 1, tzinfo=UTC)
# Enough rows for a search over them to run well past SQLite's progress-handler interval.
MANY = 3000
# A client waits at most this long for something the test expects to happen at once: a guard
# against hanging on the old code, never a measure of speed.
GUARD_SECONDS = 30
# A runaway read on SQLite: counts to a hundred million unless something stops it.
RUNAWAY_SQLITE = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT count(*) FROM (SELECT x FROM c LIMIT 100000000)"
)


@pytest.fixture
async def hotel(engine: AsyncEngine) -> dict[str, int]:
    """A hotel with a few reviews that say "quiet"."""
    catalog = Catalog(engine)
    provider = await catalog.provider("Agoda")
    hotel_id = await catalog.hotel("Harbourfront Lantern Hotel")
    for day in range(5):
        await catalog.review(
            hotel_id,
            provider,
            rating=8.0,
            review_date=DAY + timedelta(days=day),
            title="Quiet room",
            text="The room was quiet and the staff friendly.",
        )
    await catalog.refresh_summaries()
    return {"hotel": hotel_id, "provider": provider}


async def add_many_reviews(engine: AsyncEngine, ids: dict[str, int], count: int) -> None:
    """`count` more matching reviews in one transaction (Catalog writes one per transaction)."""
    async with write_transaction(engine) as connection:
        file_id = (await connection.execute(sa.text("SELECT min(id) FROM ingested_files"))).scalar()
        rows = [
            {
                "provider_id": ids["provider"],
                "provider_review_id": f"bulk-{n}",
                "hotel_id": ids["hotel"],
                "rating": 7.0,
                "rating_scale": 10.0,
                "rating_normalized": 7.0,
                "review_date": DAY,
                "review_date_offset_minutes": 0,
                "review_date_offset_missing": False,
                "has_response": False,
                "aspects": {},
                "content_hash": f"{n:032x}",
                "first_seen_at": DAY,
                "last_changed_at": DAY,
                "source_file_id": file_id,
                "title": "Quiet stay",
                "text": f"Quiet and calm, room {n} facing the garden, breakfast was fine.",
            }
            for n in range(count)
        ]
        await connection.execute(reviews.insert(), rows)


def tuned(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update=changes)


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code, body
    return body


def app_of(client: httpx.AsyncClient) -> Any:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    return transport.app


@asynccontextmanager
async def locked_reviews(engine: AsyncEngine) -> AsyncIterator[None]:
    """PostgreSQL: hold an exclusive lock on the reviews table; every read of it waits."""
    async with write_transaction(engine) as connection:
        await connection.execute(sa.text("LOCK TABLE reviews IN ACCESS EXCLUSIVE MODE"))
        yield


class ParkedSearches:
    """Search statements wait at the database (before they run) until `release()`."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.parked = 0  # ever parked
        self.waiting = 0  # parked now

    def release(self) -> None:
        self.gate.set()

    async def park(self, statement: str) -> None:
        if "reviews_fts" in statement or "websearch_to_tsquery" in statement:
            self.parked += 1
            self.waiting += 1
            try:
                await self.gate.wait()
            finally:
                self.waiting -= 1


@asynccontextmanager
async def parked_searches(client: httpx.AsyncClient) -> AsyncIterator[ParkedSearches]:
    """Searches wait holding their connection: those SQLAlchemy runs in its statement hook,
    those run straight through asyncpg (core.driver_reads) in asyncpg's fetch."""
    engine = app_of(client).state.router.primary.engine
    parking = ParkedSearches()

    def park(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        await_(parking.park(statement))  # SQLAlchemy's greenlet: this connection waits

    fetch = asyncpg.Connection.fetch

    async def parked_fetch(self: asyncpg.Connection, query: str, *args: Any, **kw: Any) -> Any:
        await parking.park(query)
        return await fetch(self, query, *args, **kw)

    event.listen(engine.sync_engine, "before_cursor_execute", park)
    asyncpg.Connection.fetch = parked_fetch  # type: ignore[method-assign]
    try:
        yield parking
    finally:
        parking.release()
        # Parked statements are inside the listener loop: let them leave it first.
        async with asyncio.timeout(GUARD_SECONDS):
            while parking.waiting:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        event.remove(engine.sync_engine, "before_cursor_execute", park)
        asyncpg.Connection.fetch = fetch  # type: ignore[method-assign]


async def settle(parking: ParkedSearches, tasks: list[asyncio.Task[httpx.Response]]) -> None:
    """Wait until every request is either parked at the database or answered."""
    async with asyncio.timeout(GUARD_SECONDS):
        while parking.parked + sum(task.done() for task in tasks) < len(tasks):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def answered(tasks: list[asyncio.Task[httpx.Response]]) -> list[httpx.Response]:
    return [task.result() for task in tasks if task.done()]


# ---- statement timeouts -------------------------------------------------------------------


async def test_a_read_past_the_statement_timeout_answers_503_query_timeout_with_retry_after(
    settings: Settings, engine: AsyncEngine, hotel: dict[str, int]
) -> None:
    if settings.is_embedded:
        await add_many_reviews(engine, hotel, MANY)
        # Any statement of over ten thousand SQLite instructions is past a microsecond.
        slow = tuned(settings, read_statement_timeout_seconds=0.000001)
        async with api_client(slow) as client:
            response = await client.get(SEARCH, params={"q": "quiet", "limit": 100})
    else:
        slow = tuned(settings, read_statement_timeout_seconds=0.2)
        async with api_client(slow) as client, locked_reviews(engine):
            async with asyncio.timeout(GUARD_SECONDS):
                response = await client.get(SEARCH, params={"q": "quiet"})
    body = problem(response, 503, "query_timeout")
    assert "cancelled" in body["detail"]
    assert int(response.headers["retry-after"]) >= 1


async def test_a_slow_read_is_cancelled_by_the_database_but_a_slow_write_is_not(
    settings: Settings,
) -> None:
    engine = create_engine(settings, read_timeout_seconds=0.2)
    slow_read = "SELECT pg_sleep(5)" if not settings.is_embedded else RUNAWAY_SQLITE
    slower_than_the_timeout = (
        "SELECT pg_sleep(0.4)"
        if not settings.is_embedded
        else RUNAWAY_SQLITE.replace("100000000", "3000000")
    )
    try:
        with pytest.raises(Exception) as cancelled:  # noqa: PT011 (the code is checked below)
            async with read_transaction(engine) as connection:
                await connection.execute(sa.text(slow_read))
        assert getattr(cancelled.value, "code", None) == "query_timeout", cancelled.value
        async with write_transaction(engine) as connection:
            await connection.execute(sa.text(slower_than_the_timeout))
        async with read_transaction(engine) as connection:  # the connection still serves
            assert (await connection.execute(sa.text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


# ---- the response cache cannot be busted with made-up parameters ---------------------------


async def test_an_unknown_query_parameter_is_422_and_creates_no_cache_entry(
    settings: Settings, hotel: dict[str, int]
) -> None:
    cached = tuned(settings, cache_enabled=True, cache_version_poll_seconds=0.05)
    async with api_client(cached) as client:
        cache = app_of(client).state.cache
        async with asyncio.timeout(GUARD_SECONDS):
            while (await client.get(HOTELS)).headers.get("x-cache") != "hit":  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # until the cache has read the data version
        entries = len(cache.memory)
        for buster in range(3):
            response = await client.get(HOTELS, params={"cache_buster": str(buster)})
            body = problem(response, 422, "validation_failed")
            assert [e["field"] for e in body["errors"]] == ["query.cache_buster"]
            assert "unknown query parameter" in body["errors"][0]["message"]
        response = await client.get(SEARCH, params={"q": "quiet", "utm_source": "x"})
        problem(response, 422, "validation_failed")
        assert len(cache.memory) == entries


async def test_a_single_valued_parameter_given_twice_is_422(
    settings: Settings, hotel: dict[str, int]
) -> None:
    async with api_client(settings) as client:
        response = await client.get(f"{HOTELS}?limit=5&limit=6")
        body = problem(response, 422, "validation_failed")
        assert body["errors"][0]["field"] == "query.limit"


# ---- bounded search cost --------------------------------------------------------------------

# The review-speak an attacker would pick: every word in many reviews (32 of them).
COMMON_TEXT = (
    "the room was clean and the staff were friendly but the breakfast could be better "
    "with more choice and the pool was too small for all the guests in our hotel stay"
)
COMMON_WORDS = COMMON_TEXT.split()


async def test_a_search_of_thirty_two_common_words_is_refused_with_422(
    settings: Settings, hotel: dict[str, int]
) -> None:
    assert len(COMMON_WORDS) == 32
    async with api_client(settings) as client:
        response = await client.get(SEARCH, params={"q": COMMON_TEXT, "include_total": "true"})
        body = problem(response, 422, "search_too_broad")
        assert body["errors"][0]["field"] == "query.q"
        assert "at most 12 words" in body["detail"]
        # Words joined into one token or a phrase count as the words they are.
        joined = "-".join(COMMON_WORDS[:13])
        problem(await client.get(SEARCH, params={"q": joined}), 422, "search_too_broad")
        twelve = " OR ".join(COMMON_WORDS[:12])
        assert (await client.get(SEARCH, params={"q": twelve})).status_code == 200


async def test_include_total_stops_counting_at_the_limit_and_says_it_is_a_lower_bound(
    settings: Settings, hotel: dict[str, int]
) -> None:
    async with api_client(tuned(settings, total_count_limit=3)) as client:
        lists = [
            (SEARCH, {"q": "quiet"}),
            (f"{HOTELS}/{hotel['hotel']}/reviews", {}),
        ]
        for url, params in lists:
            body = (await client.get(url, params={**params, "include_total": "true"})).json()
            assert (body["total"], body["total_exact"]) == (3, False), url
        exact = (await client.get(HOTELS, params={"include_total": "true"})).json()
        assert (exact["total"], exact["total_exact"]) == (1, True)
        without = (await client.get(HOTELS)).json()
        assert (without["total"], without["total_exact"]) == (None, None)


# ---- expensive requests cannot take the whole pool ------------------------------------------


async def test_a_client_running_two_searches_gets_429_for_a_third_while_cheap_reads_answer(
    settings: Settings, hotel: dict[str, int]
) -> None:
    limited = tuned(settings, database_pool_size=6, expensive_requests_per_client=2)
    async with api_client(limited) as client:
        async with parked_searches(client) as parking:
            searches = [
                asyncio.create_task(client.get(SEARCH, params={"q": f"quiet {n}"}))
                for n in range(3)
            ]
            await settle(parking, searches)
            [refused] = answered(searches)
            problem(refused, 429, "too_many_expensive_requests")
            assert refused.headers["retry-after"] == "1"
            # A total is expensive too; the same list without one is not.
            total = await client.get(HOTELS, params={"include_total": "true"})
            problem(total, 429, "too_many_expensive_requests")
            assert (await client.get(HOTELS)).status_code == 200
            assert (await client.get(f"{HOTELS}/{hotel['hotel']}")).status_code == 200
            parking.release()
            done = await asyncio.gather(*searches)
        assert sorted(response.status_code for response in done) == [200, 200, 429]
        # The slots are free again once the searches are done.
        assert (await client.get(SEARCH, params={"q": "quiet"})).status_code == 200


async def test_expensive_requests_from_many_clients_leave_half_the_pool_to_cheap_reads(
    settings: Settings, hotel: dict[str, int]
) -> None:
    small_pool = tuned(settings, database_pool_size=4)  # two slots for expensive requests
    async with api_client(small_pool) as client:
        app = app_of(client)
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(f"127.0.0.{n}", 40000)),
                base_url=f"http://{TEST_HOST}",
            )
            for n in range(2, 8)
        ]
        try:
            async with parked_searches(client) as parking:
                searches = [
                    asyncio.create_task(other.get(SEARCH, params={"q": "quiet"}))
                    for other in clients
                ]
                await settle(parking, searches)
                refusals = answered(searches)
                assert len(refusals) == 4 and parking.parked == 2
                for refused in refusals:
                    problem(refused, 503, "expensive_requests_busy")
                    assert int(refused.headers["retry-after"]) >= 1
                # Every cheap read finds a connection while the searches hold theirs.
                cheap = await asyncio.gather(
                    *(other.get(f"{HOTELS}/{hotel['hotel']}") for other in clients)
                )
                assert [response.status_code for response in cheap] == [200] * len(clients)
                parking.release()
                await asyncio.gather(*searches)
        finally:
            for other in clients:
                await other.aclose()
