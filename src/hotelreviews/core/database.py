"""Engines and transactions: the only module that knows how we connect to each database.

Reads can be given a statement timeout (`create_engine(read_timeout_seconds=...)`, which the
API's engines get): a read running past it is cancelled by the database and raises
QueryTimeout, so that one expensive request cannot hold a pooled connection for long.
PostgreSQL: every connection of such an engine starts with that `statement_timeout` (sent in
the startup packet: no round trip per read), and every other transaction lifts it for itself
(`SET LOCAL statement_timeout = 0` at BEGIN), so writes and anything not in a
read_transaction are never cut short. SQLite: a progress handler on each connection
interrupts a statement once the deadline that read_transaction set on that connection has
passed (aiosqlite runs sqlite3 in a thread of its own: the deadline lives on the connection,
not in a context variable).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_

from hotelreviews.core.connection_errors import is_connection_error, is_statement_timeout
from hotelreviews.core.errors import QueryTimeout
from hotelreviews.core.settings import Settings

# Transactions that write on SQLite take the write lock up front (BEGIN IMMEDIATE): a deferred
# transaction that later tries to write can fail with "database is locked" instead of waiting.
_WRITE = {"hotelreviews_write": True}
# Execution options: a read_transaction's connection, and an engine's read timeout.
_READ = "hotelreviews_read"
_READ_TIMEOUT = "hotelreviews_read_timeout"
# Where an engine keeps its reading twin (_reader).
_READER = "_hotelreviews_reader"
# The SQLite connection's deadline holder, in its pool record's info (kept across checkouts).
_DEADLINE = "hotelreviews_deadline"
# SQLite calls the progress handler every this many virtual machine instructions: often
# enough to stop within milliseconds of the deadline, rarely enough to cost nothing.
_PROGRESS_STEPS = 10_000
# Called with every engine create_engine makes: how layers above (observability.tracing) add
# their instrumentation without this module knowing them.
_engine_hooks: list[Callable[[AsyncEngine], None]] = []


def on_engine_created(hook: Callable[[AsyncEngine], None]) -> None:
    """Call `hook(engine)` for every engine created from now on (once, however often added)."""
    if hook not in _engine_hooks:
        _engine_hooks.append(hook)


def create_engine(
    settings: Settings,
    *,
    url: str | None = None,
    read_timeout_seconds: float | None = None,
    **engine_options: Any,
) -> AsyncEngine:
    """An async engine for the configured database (or for `url`, e.g. a read replica's, with
    the same pool settings), with our SQLite behaviour switched on. With
    `read_timeout_seconds` (> 0), each statement of a read_transaction may run that long.
    """
    url = url or settings.resolved_database_url
    timeout = read_timeout_seconds or None
    engine_options.setdefault("json_deserializer", read_json)
    if timeout is not None:
        engine_options["execution_options"] = {
            **engine_options.get("execution_options", {}),
            _READ_TIMEOUT: timeout,
        }
    if url.startswith("sqlite"):
        engine = _create_sqlite_engine(url, settings, read_timeout=timeout, **engine_options)
    else:
        # No pool_pre_ping: it costs a round trip per checkout on the hottest path. Connections
        # broken by a server restart fail once and are replaced (pool_recycle bounds their age).
        options: dict[str, Any] = {**_pool_options(settings), "pool_recycle": 1800}
        options.update(engine_options)
        options["connect_args"] = {
            **_postgres_connect_args(settings, read_timeout=timeout),
            **options.get("connect_args", {}),
        }
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "handle_error", _broken_connections_are_disconnects)
        if timeout is not None:
            event.listen(engine.sync_engine, "begin", _lift_statement_timeout)
    for hook in _engine_hooks:
        hook(engine)  # e.g. a span per statement while tracing is on
    return engine


def read_json(text: str | bytes) -> Any:
    """JSON columns as Python values: orjson, several times faster than the json module on the
    documents every review row carries (aspects); json for what orjson refuses but the json
    module has always read (NaN and infinities in a SQLite document written long ago)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# A server that does not answer must not hold a request for asyncpg's default minute: with
# several hosts in the URL (the primary, wherever it is) the next one is tried instead.
CONNECT_TIMEOUT_SECONDS = 5.0


def _postgres_connect_args(settings: Settings, *, read_timeout: float | None) -> dict[str, Any]:
    # application_name: operators (and `hotelreviews dr status`) see which process is
    # connected to which server.
    name = settings.application_name or f"hotelreviews-{settings.region}"
    server_settings = {"application_name": name}
    if read_timeout is not None:
        server_settings["statement_timeout"] = str(max(1, round(read_timeout * 1000)))
    return {"timeout": CONNECT_TIMEOUT_SECONDS, "server_settings": server_settings}


def _lift_statement_timeout(connection: Any) -> None:
    """Every transaction but a read_transaction's runs without the read timeout."""
    if not connection.get_execution_options().get(_READ):
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")


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


class _Deadline:
    """When the current read_transaction's statements must stop (None: no read running)."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at: float | None = None

    def passed(self) -> bool:
        # Called by sqlite3 in aiosqlite's thread; a true result interrupts the statement.
        at = self.at
        return at is not None and time.monotonic() > at


def _create_sqlite_engine(
    url: str, settings: Settings, *, read_timeout: float | None, **engine_options: Any
) -> AsyncEngine:
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
    def _configure(dbapi_connection: Any, record: Any) -> None:
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
        if read_timeout is not None:
            deadline = record.info[_DEADLINE] = _Deadline()
            await_(
                dbapi_connection.driver_connection.set_progress_handler(
                    deadline.passed, _PROGRESS_STEPS
                )
            )

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("hotelreviews_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get(_READ):
            connection.exec_driver_sql("BEGIN")

    return engine


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One write unit of work: commits when the block ends, rolls back if it raises."""
    async with engine.connect() as connection:
        connection = await connection.execution_options(**_WRITE)
        async with connection.begin():
            yield connection


def _reader(engine: AsyncEngine) -> AsyncEngine:
    """The engine with read_transaction's options (autocommit on PostgreSQL), on the same pool:
    made once per engine, where setting them on each checked-out connection costs a greenlet
    switch and SQLAlchemy's option handling on every read."""
    sync_engine = engine.sync_engine
    reader: AsyncEngine | None = getattr(sync_engine, _READER, None)
    if reader is None:
        options: dict[str, Any] = {_READ: True}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        reader = engine.execution_options(**options)
        setattr(sync_engine, _READER, reader)
    return reader


def read_timeout(engine: AsyncEngine) -> float | None:
    """How long each statement of a read may run on this engine (None: no limit)."""
    timeout: float | None = engine.sync_engine.get_execution_options().get(_READ_TIMEOUT)
    return timeout


@asynccontextmanager
async def read_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A unit of reads; each statement sees the data committed when it starts.

    Reads run in autocommit: a request's one or two statements then cost one round trip (or
    one aiosqlite thread hop) each, instead of BEGIN, the query and COMMIT.
    """
    async with _reader(engine).connect() as connection:
        timeout = read_timeout(engine)
        deadline = connection.info.get(_DEADLINE) if timeout is not None else None
        if deadline is not None:  # SQLite (PostgreSQL's connections hold the timeout)
            deadline.at = time.monotonic() + timeout
        try:
            async with connection.begin():
                yield connection
        except sa_exc.DBAPIError as exc:
            if timeout is not None and is_statement_timeout(exc):
                raise QueryTimeout(timeout) from exc
            raise
        finally:
            if deadline is not None:
                deadline.at = None
