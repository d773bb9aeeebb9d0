"""Engines and transactions: the only module that knows how we connect to each database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.core.settings import Settings
from hotelreviews.observability.tracing import instrument_engine

# Transactions that write on SQLite take the write lock up front (BEGIN IMMEDIATE): a deferred
# transaction that later tries to write can fail with "database is locked" instead of waiting.
_WRITE = {"hotelreviews_write": True}


def create_engine(
    settings: Settings, *, url: str | None = None, **engine_options: Any
) -> AsyncEngine:
    """An async engine for the configured database (or for `url`, e.g. a read replica's, with
    the same pool settings), with our SQLite behaviour switched on.
    """
    url = url or settings.resolved_database_url
    if url.startswith("sqlite"):
        engine = _create_sqlite_engine(url, settings, **engine_options)
    else:
        # No pool_pre_ping: it costs a round trip per checkout on the hottest path. Connections
        # broken by a server restart fail once and are replaced (pool_recycle bounds their age).
        options: dict[str, Any] = {**_pool_options(settings), "pool_recycle": 1800}
        options.update(engine_options)
        options["connect_args"] = {
            **_postgres_connect_args(settings),
            **options.get("connect_args", {}),
        }
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "handle_error", _broken_connections_are_disconnects)
    instrument_engine(engine)  # a span per statement while tracing is on
    return engine


# A server that does not answer must not hold a request for asyncpg's default minute: with
# several hosts in the URL (the primary, wherever it is) the next one is tried instead.
CONNECT_TIMEOUT_SECONDS = 5.0


def _postgres_connect_args(settings: Settings) -> dict[str, Any]:
    # application_name: operators (and `hotelreviews dr status`) see which process is
    # connected to which server.
    name = settings.application_name or f"hotelreviews-{settings.region}"
    return {"timeout": CONNECT_TIMEOUT_SECONDS, "server_settings": {"application_name": name}}


def _broken_connections_are_disconnects(context: Any) -> None:
    """Tell SQLAlchemy a connection is gone when the server ended it or the driver's protocol
    state broke with it (a primary shut down or killed by a switchover or failover). It then
    discards the connection — and every other one the pool holds to that server — instead of
    handing the broken ones to the next requests, which would fail in turn."""
    if not context.is_disconnect and is_connection_error(context.original_exception):
        context.is_disconnect = True


def _pool_options(settings: Settings) -> dict[str, Any]:
    # A fixed-size pool: "overflow" connections are closed as soon as they are returned while
    # the pool is full, so under steady load every request would open a new connection (a
    # TLS attempt, authentication, a thread on SQLite). Requests beyond the pool wait instead.
    return {"pool_size": settings.database_pool_size, "max_overflow": 0, "pool_timeout": 30}


def _create_sqlite_engine(url: str, settings: Settings, **engine_options: Any) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Every call through aiosqlite is a thread hop (~0.5 ms): reads run without BEGIN/COMMIT,
    # and the pool does not roll back returned connections (transactions are always ended
    # explicitly by write_transaction / read_transaction).
    options: dict[str, Any] = {**_pool_options(settings), "pool_reset_on_return": None}
    options.update(engine_options)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "cache_size=-65536",
            "temp_store=MEMORY",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("hotelreviews_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get("hotelreviews_read"):
            connection.exec_driver_sql("BEGIN")

    return engine


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One write unit of work: commits when the block ends, rolls back if it raises."""
    async with engine.connect() as connection:
        connection = await connection.execution_options(**_WRITE)
        async with connection.begin():
            yield connection


@asynccontextmanager
async def read_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A unit of reads; each statement sees the data committed when it starts.

    Reads run in autocommit: a request's one or two statements then cost one round trip (or
    one aiosqlite thread hop) each, instead of BEGIN, the query and COMMIT.
    """
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        else:
            connection = await connection.execution_options(hotelreviews_read=True)
        async with connection.begin():
            yield connection
