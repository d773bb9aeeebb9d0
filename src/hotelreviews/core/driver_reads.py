"""Prepared reads: hot statements (core.prepared) run through the driver's own connection.

On PostgreSQL, `prepared_reads(engine)` checks a connection out of the engine's SQLAlchemy
pool — the same pool, size, replica or primary, statement timeout and pool events as
read_transaction — and hands its asyncpg connection over as a DriverConnection: a
PreparedQuery's SQL, compiled once, goes to asyncpg (prepared once per connection by its
statement cache) and its rows come back as asyncpg records. SQLAlchemy's execution of one such
statement (connection, execution context, result, Row) costs ~250-300 µs of CPU; this path
~70-110 µs (docs/benchmarks.md, "Hot reads straight through asyncpg"). Elsewhere (SQLite) it is
read_transaction: `fetch_all` / `fetch_first` run a PreparedQuery on either connection.

What SQLAlchemy does around a statement is kept: asyncpg's errors become the same SQLAlchemy
exceptions (its own translation table), a statement timeout becomes QueryTimeout, a lost
connection invalidates the pool as the engine's handle_error listener (core.database) makes
it do, and each statement is reported to the hooks that metering and tracing add for the
events they listen to on the SQLAlchemy path (`on_driver_statement`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from hotelreviews.core.connection_errors import is_connection_error, is_statement_timeout
from hotelreviews.core.database import read_timeout, read_transaction
from hotelreviews.core.errors import QueryTimeout
from hotelreviews.core.prepared import CompiledQuery, PreparedQuery

# Called with a statement's SQL before it runs; returns what to call with its error (None on
# success) when it has run.
StatementHook = Callable[[str], Callable[[BaseException | None], None]]
_HOOKS = "_hotelreviews_driver_hooks"
# Result processing per statement (by SQL text), found at its first run: the column types'
# SQLAlchemy processors for the types the server reports.
_RESULT_PROCESSORS: dict[str, tuple[tuple[int, Callable[[Any], Any]], ...]] = {}


def on_driver_statement(engine: AsyncEngine, hook: StatementHook) -> None:
    """Call `hook` around every statement a DriverConnection of `engine` runs."""
    hooks: list[StatementHook] = engine.sync_engine.__dict__.setdefault(_HOOKS, [])
    if hook not in hooks:
        hooks.append(hook)


class DriverConnection:
    """A pooled connection of an engine, used through its asyncpg connection."""

    __slots__ = ("dialect", "_engine", "_pooled", "_driver", "_hooks")

    def __init__(self, engine: AsyncEngine, pooled: Any) -> None:
        self.dialect = engine.dialect  # repositories branch on dialect.name
        self._engine = engine
        self._pooled = pooled  # SQLAlchemy's pool proxy (_ConnectionFairy)
        self._driver = pooled.driver_connection
        self._hooks: list[StatementHook] = engine.sync_engine.__dict__.get(_HOOKS, [])

    async def fetch(self, query: PreparedQuery, inputs: Mapping[str, Any]) -> Sequence[Any]:
        compiled = query.compiled()
        arguments = compiled.arguments(inputs)
        finishing = [hook(compiled.sql) for hook in self._hooks]
        try:
            processors = _RESULT_PROCESSORS.get(compiled.sql)
            if processors is None:
                processors = await self._result_processors(compiled)
            rows = await self._driver.fetch(compiled.sql, *arguments)
        except Exception as error:
            _finish(finishing, error)
            translated = self._translated(error, compiled.sql, arguments)
            if translated is error:
                raise
            raise translated from error
        except BaseException as error:  # cancelled mid-statement: the connection is unknown
            _finish(finishing, error)
            self._pooled.invalidate(error)
            raise
        _finish(finishing, None)
        return _processed(rows, processors) if processors else rows

    async def _result_processors(
        self, compiled: CompiledQuery
    ) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        # The server's column types, as SQLAlchemy's result handling would see them.
        attributes = (await self._driver.prepare(compiled.sql)).get_attributes()
        found = []
        for index, (sa_type, attribute) in enumerate(
            zip(compiled.column_types, attributes, strict=True)
        ):
            process = sa_type._cached_result_processor(self.dialect, attribute.type.oid)
            if process is not None:
                found.append((index, process))
        _RESULT_PROCESSORS[compiled.sql] = processors = tuple(found)
        return processors

    def _translated(self, error: Exception, sql: str, arguments: list[Any]) -> Exception:
        """The exception SQLAlchemy would raise for `error` (a non-database error is raised
        as it is, as SQLAlchemy does); a lost connection invalidates the pool."""
        dbapi_error = _dbapi_error(self._pooled.dbapi_connection, error)
        if dbapi_error is None:
            if is_connection_error(error):
                self._engine.sync_engine.pool._invalidate(self._pooled, error)
            return error
        lost = self.dialect.is_disconnect(
            dbapi_error, self._pooled.dbapi_connection, None
        ) or is_connection_error(dbapi_error)
        translated = sa_exc.DBAPIError.instance(
            sql,
            arguments,
            dbapi_error,
            self.dialect.loaded_dbapi.Error,
            hide_parameters=self._engine.sync_engine.hide_parameters,
            connection_invalidated=lost,
            dialect=self.dialect,
        )
        if lost:  # as SQLAlchemy does on a disconnect: every older connection is replaced
            self._engine.sync_engine.pool._invalidate(self._pooled, translated)
        return translated


def _dbapi_error(adapted_connection: Any, error: Exception) -> Exception | None:
    """asyncpg's error as SQLAlchemy's asyncpg adapter translates it; None if it is none of
    the driver's."""
    try:
        adapted_connection._handle_exception(error)  # raises the translation (or the error)
    except Exception as translated:
        return translated if translated is not error else None
    return None


def _finish(finishing: list[Callable[[BaseException | None], None]], error: Any) -> None:
    for finish in finishing:
        finish(error)


def _processed(
    rows: Sequence[Any], processors: tuple[tuple[int, Callable[[Any], Any]], ...]
) -> list[dict[str, Any]]:
    shaped = []
    for row in rows:
        values = list(row.values())
        for index, process in processors:
            values[index] = process(values[index])
        shaped.append(dict(zip(row.keys(), values, strict=True)))
    return shaped


ReadConnection = AsyncConnection | DriverConnection


@asynccontextmanager
async def prepared_reads(engine: AsyncEngine) -> AsyncIterator[ReadConnection]:
    """A unit of reads for PreparedQuery statements: a DriverConnection on PostgreSQL
    (asyncpg), else read_transaction's connection. Reads in autocommit, as read_transaction's."""
    if engine.dialect.driver != "asyncpg":
        async with read_transaction(engine) as connection:
            yield connection
        return
    timeout = read_timeout(engine)
    pooled = await _checkout(engine)
    try:
        yield DriverConnection(engine, pooled)
    except sa_exc.DBAPIError as exc:
        if timeout is not None and is_statement_timeout(exc):
            raise QueryTimeout(timeout) from exc
        raise
    finally:
        await greenlet_spawn(pooled.close)


async def _checkout(engine: AsyncEngine) -> Any:
    """A connection from the engine's pool; a failure to connect raised as SQLAlchemy's
    connect raises it."""
    dialect = engine.dialect
    try:
        return await greenlet_spawn(engine.sync_engine.raw_connection)
    except dialect.loaded_dbapi.Error as error:
        raise sa_exc.DBAPIError.instance(
            None,
            None,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=dialect.is_disconnect(error, None, None),
            dialect=dialect,
        ) from error


async def fetch_all(
    connection: ReadConnection, query: PreparedQuery, /, **inputs: Any
) -> Sequence[Mapping[str, Any]]:
    """The rows of `query` for these inputs (mappings by column name)."""
    if isinstance(connection, AsyncConnection):
        statement = query.statement(connection.dialect.name)
        return (await connection.execute(statement, inputs)).mappings().all()
    return await connection.fetch(query, inputs)


async def fetch_first(
    connection: ReadConnection, query: PreparedQuery, /, **inputs: Any
) -> Mapping[str, Any] | None:
    rows = await fetch_all(connection, query, **inputs)
    return rows[0] if rows else None
