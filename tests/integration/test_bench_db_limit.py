"""bench/db_limit_app.py runs, request by request, the statements the platform's routes run.

The database-limit baseline of bench/api.py is only a limit if it does the platform's database
work and nothing else: for every path the benchmark requests (and for the unknown hotel and the
empty search, which take the routes' second branch), both apps run on one PostgreSQL database
with demo data, and the statements each sends (text, then parameters, in order) must be equal,
as must the status and the ids of what comes back. The platform runs these statements through
asyncpg (core.driver_reads) where the baseline does too; its statements are captured whichever
way they go (SQLAlchemy's event, asyncpg's query logger).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.demo import write_demo
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.api_client import TEST_HOST, api_client, sent_statements
from tests.support.pg_server import PostgresServer

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:  # the benchmarks import their siblings by bare name
    sys.path.insert(0, str(BENCH))

from api import scenario_paths  # noqa: E402
from db_limit_app import DbLimitApp  # noqa: E402

# A statement as sent: its text with whitespace runs made one space, and its parameters.
Sent = tuple[str, tuple[Any, ...]]


def _sent(sql: str, parameters: Any) -> Sent:
    return " ".join(sql.split()), tuple(parameters or ())


@pytest.fixture(scope="module")
async def demo_settings(
    pg_server: PostgresServer, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """A migrated PostgreSQL database holding a small demo data set, ingested for real."""
    work = tmp_path_factory.mktemp("db-limit")
    settings = Settings(
        environment="test",
        data_dir=work,
        database_url=pg_server.create_database("bench_db_limit", template=pg_template),
        cache_enabled=False,
    )
    write_demo(out_dir=work / "demo", reviews=600, workers=1)
    engine = create_engine(settings)
    try:
        report = await ingest_paths(engine=engine, settings=settings, paths=[str(work / "demo")])
    finally:
        await engine.dispose()
    assert report.files and all(file.status == "ingested" for file in report.files)
    return settings


@pytest.fixture(scope="module")
async def platform(demo_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(demo_settings) as client:
        yield client


@pytest.fixture(scope="module")
async def db_limit(demo_settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, list]]:
    """The baseline app on the same database, and the statements its connections send."""
    sent: list[Sent] = []

    def log(query: Any) -> None:
        sent.append(_sent(query.query, query.args))

    app = DbLimitApp(
        dsn=demo_settings.resolved_database_url,
        pool_size=2,
        on_connect=lambda connection: connection.add_query_logger(log),
    )
    await app.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{TEST_HOST}") as client:
            yield client, sent
    finally:
        await app.stop()


@asynccontextmanager
async def platform_statements(client: httpx.AsyncClient) -> AsyncIterator[list[Sent]]:
    """The statements the platform's app sends to its database inside the block, whichever
    way they go (SQLAlchemy's execution or straight through asyncpg: sent_statements)."""
    engine = client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]
    sent: list[Sent] = []
    async with sent_statements(engine, lambda sql, parameters: sent.append(_sent(sql, parameters))):
        yield sent


async def _paths(platform: httpx.AsyncClient) -> list[str]:
    """The benchmark's paths over the demo's hotels with the most reviews, plus those that take
    each route's other branch (no such hotel; a search that finds nothing)."""
    response = await platform.get("/api/v1/hotels", params={"sort": "reviews", "limit": 5})
    ids = [hotel["id"] for hotel in response.json()["items"]]
    assert len(ids) == 5
    paths = [path for group in scenario_paths(ids).values() for path in group]
    unknown = 2**40
    return [
        *paths,
        f"/api/v1/hotels/{unknown}",
        f"/api/v1/hotels/{unknown}/reviews?limit=20",
        f"/api/v1/reviews/search?q=xylophonequartz&hotel_id={ids[0]}&limit=10",
        f"/api/v1/reviews/search?q=xylophonequartz&hotel_id={unknown}&limit=10",
    ]


def _returned_ids(body: dict[str, Any], status: int) -> list[int]:
    if status != 200:
        return []
    if "items" in body:
        return [item["id"] for item in body["items"]]
    return [body["id"]] if "id" in body else [body["hotel"][0]["id"]]


async def test_the_baseline_sends_the_statements_the_platform_sends_for_every_request(
    platform: httpx.AsyncClient, db_limit: tuple[httpx.AsyncClient, list[Sent]]
) -> None:
    baseline, baseline_sent = db_limit
    paths = await _paths(platform)
    found_something = False
    statement_counts = set()
    for path in paths:
        async with platform_statements(platform) as expected:
            ours = await platform.get(path)
        baseline_sent.clear()
        theirs = await baseline.get(path)
        assert [sql for sql, _ in baseline_sent] == [sql for sql, _ in expected], path
        assert baseline_sent == expected, path
        assert theirs.status_code == ours.status_code, path
        ours_ids = _returned_ids(ours.json(), ours.status_code)
        # The baseline returns the rows as fetched: a page's extra row (next page?) included.
        theirs_ids = _returned_ids(theirs.json(), theirs.status_code)[: len(ours_ids)]
        assert theirs_ids == ours_ids, path
        found_something |= len(ours_ids) > 1
        statement_counts.add(len([sql for sql, _ in expected if not _introspection(sql)]))
    assert found_something, "the demo data gave no rows: the comparison compared nothing"
    # Both branches of the routes were compared: one statement (a 404 hotel, a hotel) and two
    # (an empty page and the hotel's existence; a non-empty page and its reviews' flags).
    assert statement_counts == {1, 2}


def _introspection(sql: str) -> bool:
    """asyncpg's own statements, once per connection, to learn a type it has no codec for
    (the bigint[] of the flags' review ids) — sent by both apps alike, compared above."""
    return "typeinfo_tree" in sql or "set_config('jit'" in sql or "current_setting('jit')" in sql
