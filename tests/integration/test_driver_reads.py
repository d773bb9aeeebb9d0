"""Prepared reads (core.driver_reads): the hot statements run straight through asyncpg on
PostgreSQL, and through SQLAlchemy elsewhere, with SQLAlchemy's behaviour around them kept —
the same rows, a statement timeout answered 503 query_timeout, a connection the server ended
reported as a lost connection and replaced, each statement timed in the metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.core.database import create_engine, read_transaction, write_transaction
from hotelreviews.core.driver_reads import DriverConnection, fetch_all, prepared_reads
from hotelreviews.core.errors import QueryTimeout
from hotelreviews.core.pagination import PageRequest
from hotelreviews.core.prepared import PreparedQuery
from hotelreviews.core.settings import Settings
from hotelreviews.core.types import TIMESTAMPTZ_OID, UTCDateTime
from hotelreviews.hotels import repository as hotels
from hotelreviews.reviews import repository as reviews
from hotelreviews.routing import DatabaseRouter
from tests.support.api_client import api_client
from tests.support.builders import NOW, Catalog
from tests.support.metrics import Snapshot

QUERIES = "hotelreviews_db_query_duration_seconds_count"
# A client waits at most this long for what the test expects at once (a guard, not a measure).
GUARD_SECONDS = 30


@pytest.fixture
async def hotel(engine: AsyncEngine) -> int:
    catalog = Catalog(engine)
    provider = await catalog.provider("Agoda")
    hotel_id = await catalog.hotel("Harbourfront Lantern Hotel", city="Singapore")
    for day in range(3):
        await catalog.review(
            hotel_id, provider, rating=8.0 + day, review_date=NOW, text=f"quiet stay {day}"
        )
    await catalog.refresh_summaries()
    return hotel_id


def needs_postgresql(settings: Settings) -> None:
    if settings.is_embedded:
        pytest.skip("the driver path is PostgreSQL's (SQLite reads through SQLAlchemy)")


@asynccontextmanager
async def locked(engine: AsyncEngine, table: str) -> AsyncIterator[None]:
    """PostgreSQL: hold an exclusive lock on `table`; every read of it waits."""
    async with write_transaction(engine) as connection:
        await connection.execute(sa.text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        yield


async def test_prepared_reads_give_the_rows_sqlalchemy_gives(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    page = PageRequest(limit=2)
    order = reviews.ORDERS["newest"]
    filters = reviews.NO_FILTERS
    async with prepared_reads(engine) as connection:
        assert isinstance(connection, DriverConnection) != settings.is_embedded
        document = await hotels.hotel_document(connection, hotel_id=hotel)
        rows = await reviews.list_hotel_reviews(
            connection, hotel_id=hotel, filters=filters, order=order, page=page
        )
        unknown = await hotels.hotel_document(connection, hotel_id=2**40)
    async with read_transaction(engine) as connection:
        expected = await hotels.hotel_document(connection, hotel_id=hotel)
        expected_rows = await reviews.list_hotel_reviews(
            connection, hotel_id=hotel, filters=filters, order=order, page=page
        )
    assert document is not None and expected is not None and unknown is None
    assert dict(document) == dict(expected)
    assert [dict(row) for row in rows] == [dict(row) for row in expected_rows]
    assert len(rows) == 3 and document["name"] == "Harbourfront Lantern Hotel"


async def test_a_prepared_read_past_the_statement_timeout_answers_503_query_timeout(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    needs_postgresql(settings)
    slow = settings.model_copy(update={"read_statement_timeout_seconds": 0.2})
    async with api_client(slow) as client, locked(engine, "hotels"):
        async with asyncio.timeout(GUARD_SECONDS):
            response = await client.get(f"/api/v1/hotels/{hotel}")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "query_timeout" and "cancelled" in body["detail"]
    assert int(response.headers["retry-after"]) >= 1


async def test_a_prepared_read_past_the_timeout_raises_query_timeout_from_sqlalchemys_error(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    needs_postgresql(settings)
    timed = create_engine(settings, read_timeout_seconds=0.2)
    try:
        async with locked(engine, "hotels"):
            with pytest.raises(QueryTimeout) as raised:
                async with prepared_reads(timed) as connection:
                    await hotels.hotel_document(connection, hotel_id=hotel)
        # The database error under it is the one SQLAlchemy raises for asyncpg's.
        assert isinstance(raised.value.__cause__, sa_exc.DBAPIError)
        assert isinstance(raised.value.__cause__.orig.__cause__, asyncpg.QueryCanceledError)
        async with prepared_reads(timed) as connection:  # the connection is fine afterwards
            assert await hotels.hotel_exists(connection, hotel_id=hotel)
    finally:
        await timed.dispose()


async def test_a_connection_the_server_ended_is_a_lost_connection_and_is_replaced(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    needs_postgresql(settings)
    named = settings.model_copy(update={"application_name": "driver-reads-test"})
    reader = create_engine(named)
    try:
        async with prepared_reads(reader) as connection:  # one connection now in the pool
            assert await hotels.hotel_exists(connection, hotel_id=hotel)
        async with write_transaction(engine) as connection:
            await connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'driver-reads-test'"
                )
            )
        with pytest.raises(sa_exc.DBAPIError) as lost:
            async with prepared_reads(reader) as connection:
                await hotels.hotel_exists(connection, hotel_id=hotel)
        assert lost.value.connection_invalidated and is_connection_error(lost.value)
        async with prepared_reads(reader) as connection:
            assert await hotels.hotel_exists(connection, hotel_id=hotel)
    finally:
        await reader.dispose()


async def test_a_prepared_read_is_timed_under_its_target(settings: Settings, hotel: int) -> None:
    router = DatabaseRouter.from_settings(settings)

    async def read_hotel(*, engine: AsyncEngine) -> Any:
        async with prepared_reads(engine) as connection:
            return await hotels.hotel_document(connection, hotel_id=hotel)

    try:
        before = Snapshot()
        document, target = await router.read(read_hotel)
        assert document is not None and target.role == "primary"
        assert before.increase(QUERIES, target="primary") == 1
    finally:
        await router.dispose()


async def test_utc_datetimes_need_no_processing_as_asyncpg_decodes_them(
    settings: Settings, engine: AsyncEngine
) -> None:
    # UTCDateTime has no result processor on asyncpg's timestamptz (core.types): for every
    # finite value asyncpg returns, process_result_value would give the value itself. Only
    # ±infinity, which no writer of ours stores, comes back as asyncpg gives it (naive).
    needs_postgresql(settings)
    texts = ["2025-03-14 09:12:00+08", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00"]
    async with prepared_reads(engine) as connection:
        assert isinstance(connection, DriverConnection)
        driver = connection._driver
        values = [await driver.fetchval(f"SELECT '{text}'::timestamptz") for text in texts]
        infinite = await driver.fetchval("SELECT 'infinity'::timestamptz")
    utc = UTCDateTime()
    for value in values:
        assert utc.process_result_value(value, engine.dialect) is value
    assert infinite == datetime.max and infinite.tzinfo is None
    assert utc._cached_result_processor(engine.dialect, TIMESTAMPTZ_OID) is None
    # A constant bound through UTCDateTime's bind processing comes back as it went.
    query = PreparedQuery(
        lambda _: sa.select(sa.literal(NOW, UTCDateTime).label("at")).where(
            sa.bindparam("always", type_=sa.Boolean)
        )
    )
    async with prepared_reads(engine) as connection:
        [row] = await fetch_all(connection, query, always=True)
    assert row["at"] == NOW and row["at"].tzinfo is UTC


async def test_a_column_sqlalchemy_converts_is_converted_on_the_driver_path_too(
    settings: Settings, engine: AsyncEngine
) -> None:
    # A numeric read as a Float: SQLAlchemy's result processing gives a float, not a Decimal.
    query = PreparedQuery(
        lambda _: sa.select(
            sa.type_coerce(
                sa.cast(sa.bindparam("value", type_=sa.Text), sa.Numeric), sa.Float
            ).label("value"),
            sa.literal("kept").label("text"),
        )
    )
    async with prepared_reads(engine) as connection:
        [row] = await fetch_all(connection, query, value="1.25")
    async with read_transaction(engine) as connection:
        [expected] = await fetch_all(connection, query, value="1.25")
    assert dict(row) == dict(expected) == {"value": 1.25, "text": "kept"}
    assert type(row["value"]) is float
