"""Shared fixtures: every storage-touching test runs on SQLite and on a throwaway PostgreSQL.

The PostgreSQL server is started once per test session on a free port with its own data
directory. Each test gets a fresh, migrated database: on PostgreSQL a copy of a migrated
template database, on SQLite a copy of a migrated file — both far cheaper than migrating.
Set HOTELREVIEWS_TEST_BACKENDS=sqlite to run only the SQLite half while iterating.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core import migrations
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import EMBEDDED_DATABASE_NAME, Settings
from tests.browser.watching import SCREENSHOTS
from tests.support.pg_server import PostgresServer
from tests.support.redis_server import RedisServer

SAMPLES_DIR = Path(__file__).parent / "data"
BACKENDS = os.environ.get("HOTELREVIEWS_TEST_BACKENDS", "sqlite,postgresql").split(",")
_database_numbers = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    """The browser tests' screenshots are this run's: cleared once, here, in the process that
    starts the xdist workers (before any starts), since workers writing at once cannot."""
    if not hasattr(config, "workerinput"):
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A throwaway redis-server for the session; tests keep apart by key prefix."""
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    """A migrated database that per-test databases are copied from."""
    name = "hotelreviews_template"
    url = pg_server.create_database(name)
    migrations.upgrade(Settings(environment="test", database_url=url))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("sqlite-template")
    migrations.upgrade(Settings(environment="test", data_dir=data_dir))
    return data_dir / EMBEDDED_DATABASE_NAME


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings pointing at a fresh migrated database of the test's backend, cache off.

    The response cache is off because tests write with builders, which change data without
    bumping the data version as ingestion does: with it on, a test reading a URL, adding rows
    and reading it again would see the first answer. Cache tests turn it on themselves
    (tests/integration/test_api_cache.py).
    """
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend == "sqlite":
        shutil.copyfile(
            request.getfixturevalue("sqlite_template"), data_dir / EMBEDDED_DATABASE_NAME
        )
        return Settings(
            environment="test",
            data_dir=data_dir,
            ingest_batch_size=500,
            cache_enabled=False,
            # Off: tests apply review intelligence themselves (catch_up), or turn this on
            # (tests/integration/test_issue16_04_intelligence_in_server.py).
            intelligence_in_server="false",
        )
    server: PostgresServer = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    url = server.create_database(name, template=template)
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=url,
        ingest_batch_size=500,
        cache_enabled=False,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        await engine.dispose()
