"""The database-limit baseline for bench/api.py: the platform's SQL through asyncpg, no framework.

A bare ASGI app serving the three paths bench/api.py measures — a hotel
(/api/v1/hotels/{id}), a hotel's first review page (/api/v1/hotels/{id}/reviews?limit=n) and a
search (/api/v1/reviews/search?q=...&hotel_id=...&limit=n) — each with the very statements the
platform's route runs for that request, in the same order and under the same conditions (the
hotel's existence checked only when a page comes back empty, the flags of the page's reviews
only when it does not), through one asyncpg pool of the
platform's pool size. The rows go back as JSON bytes (orjson). No response cache, no
middleware, no validation beyond reading the numbers: what the database and the driver allow,
against which the API's cache misses are read.

The SQL is not copied here: when the app starts, it asks the platform's own repositories
(hotels, reviews and search `repository` modules, the one place for SQL) for their statements,
with a marker value standing for each request input, and takes them compiled by the platform's
own code (core.prepared: SQLAlchemy's asyncpg dialect, $n parameters, the text the platform
sends through asyncpg). A change of the platform's SQL is therefore followed here; a change
of which statements a route runs, or with which parameters, is caught by
tests/integration/test_bench_db_limit.py, which compares the statements of both apps request
by request.

    uvicorn --app-dir bench db_limit_app:app   (HOTELREVIEWS_DATABASE_URL: the database)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from hotelreviews.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from hotelreviews.core.prepared import CompiledQuery, PreparedQuery
from hotelreviews.core.settings import Settings
from hotelreviews.hotels import repository as hotels
from hotelreviews.reviews import repository as reviews
from hotelreviews.reviews.filters import ReviewFilters
from hotelreviews.search import repository as search
from hotelreviews.search.syntax import parse

# Marker values for the request's inputs while the repositories are asked for their
# statements: values no constant holds, so each statement input given one is that input.
_HOTEL_MARK = 987_654_321
_LIMIT_MARK = 54_321  # a page asks for limit + 1 rows (the extra one tells a next page)
_TEXT_MARK = "db-limit search text"
_IDS_MARK = 876_543_219  # the one review id of a page's ids (a list input)
_INPUTS = {_HOTEL_MARK: "hotel_id", _LIMIT_MARK + 1: "fetch", _TEXT_MARK: "q"}


@dataclass(frozen=True, slots=True)
class Statement:
    """A platform statement as compiled for asyncpg (core.prepared, the code the platform
    runs it with), and which request input each of its inputs is."""

    compiled: CompiledQuery
    inputs: Mapping[str, str]  # the statement's input name -> the request's

    @property
    def sql(self) -> str:
        return self.compiled.sql

    def arguments(self, request: Mapping[str, Any]) -> list[Any]:
        return self.compiled.arguments(
            {name: request[given] for name, given in self.inputs.items()}
        )


class _Recorder:
    """Stands where a repository function expects a read connection (a DriverConnection):
    keeps the prepared queries it is asked to run and their inputs, runs none of them, and
    answers each with no rows."""

    dialect = PGDialect_asyncpg()

    def __init__(self) -> None:
        self.queries: list[tuple[PreparedQuery, dict[str, Any]]] = []

    async def fetch(self, query: PreparedQuery, inputs: Mapping[str, Any]) -> list[Any]:
        self.queries.append((query, dict(inputs)))
        return []


async def _recorded(query: Callable[[_Recorder], Awaitable[Any]]) -> Statement:
    recorder = _Recorder()
    await query(recorder)
    [(prepared, inputs)] = recorder.queries
    compiled = prepared.compiled()
    named = {}
    for name in compiled.inputs:
        value = inputs[name]
        if value == [_IDS_MARK]:
            named[name] = "review_ids"
            continue
        if not isinstance(value, (int, str)) or value not in _INPUTS:
            raise RuntimeError(f"input {name} of {compiled.sql} is no request input: {value!r}")
        named[name] = _INPUTS[value]
    return Statement(compiled, named)


@dataclass(frozen=True, slots=True)
class Statements:
    hotel: Statement
    hotel_exists: Statement
    review_page: Statement
    search_in_hotel: Statement
    search_everywhere: Statement
    review_flags: Statement


async def platform_statements() -> Statements:
    """The platform's statements for the three requests, as its routes call them: default
    filters, the default sort (newest first), no cursor, no total."""
    page = PageRequest(limit=_LIMIT_MARK)
    none = ReviewFilters()

    def searching(hotel_id: int | None) -> Callable[[_Recorder], Awaitable[Any]]:
        return lambda c: search.search(
            c,
            text=_TEXT_MARK,
            query=parse(_TEXT_MARK),
            hotel_id=hotel_id,
            filters=none,
            cursor_key="search",
            page=page,
        )

    return Statements(
        hotel=await _recorded(lambda c: hotels.hotel_document(c, hotel_id=_HOTEL_MARK)),
        hotel_exists=await _recorded(lambda c: hotels.hotel_exists(c, hotel_id=_HOTEL_MARK)),
        review_page=await _recorded(
            lambda c: reviews.list_hotel_reviews(
                c,
                hotel_id=_HOTEL_MARK,
                filters=none,
                order=reviews.ORDERS["newest"],
                page=page,
            )
        ),
        search_in_hotel=await _recorded(searching(_HOTEL_MARK)),
        search_everywhere=await _recorded(searching(None)),
        review_flags=await _recorded(lambda c: reviews.review_flags_of(c, review_ids=[_IDS_MARK])),
    )


class BadRequest(Exception):
    pass


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def _number(text: str | None, *, default: int | None = None, low: int = 1, high: int) -> int:
    if text is None and default is not None:
        return default
    try:
        number = int(text)
    except (TypeError, ValueError):
        raise BadRequest(f"not a number: {text!r}") from None
    if not low <= number <= high:
        raise BadRequest(f"out of range: {number}")
    return number


_BIGINT_MAX = 2**63 - 1
_JSON = [(b"content-type", b"application/json")]
_HOTELS = "/api/v1/hotels/"


class DbLimitApp:
    """The ASGI app. `on_connect(connection)` is called with each new pooled connection (the
    test adds a query logger there)."""

    def __init__(
        self,
        *,
        dsn: str | None = None,
        pool_size: int | None = None,
        on_connect: Callable[[asyncpg.Connection], Any] | None = None,
    ) -> None:
        self._dsn = dsn
        self._pool_size = pool_size
        self._on_connect = on_connect
        self._pool: asyncpg.Pool | None = None
        self.statements: Statements | None = None

    async def start(self) -> None:
        # The platform's settings (from the environment) unless told otherwise.
        settings = Settings() if self._dsn is None or self._pool_size is None else None
        url = sa.make_url(self._dsn or settings.resolved_database_url)
        if url.get_backend_name() != "postgresql":
            raise SystemExit("the db-limit baseline runs on PostgreSQL only")
        size = self._pool_size or settings.database_pool_size
        self.statements = await platform_statements()
        self._pool = await asyncpg.create_pool(
            url.set(drivername="postgresql").render_as_string(hide_password=False),
            min_size=size,
            max_size=size,
            init=self._prepare_connection,
            # A returned connection is not reset (asyncpg's default costs a round trip per
            # request); reads in autocommit leave nothing behind, as in the platform's pool.
            reset=_keep_session,
            server_settings={"application_name": "hotelreviews-db-limit"},
        )

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _prepare_connection(self, connection: asyncpg.Connection) -> None:
        # JSON columns decoded by the driver, as SQLAlchemy's asyncpg dialect does.
        for type_name in ("json", "jsonb"):
            await connection.set_type_codec(
                type_name, encoder=_json_text, decoder=orjson.loads, schema="pg_catalog"
            )
        if self._on_connect is not None:
            self._on_connect(connection)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        try:
            status, body = await self._answer(scope["path"], scope["query_string"])
        except BadRequest as error:
            status, body = 422, orjson.dumps({"detail": str(error)})
        headers = [*_JSON, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer(self, path: str, query_string: bytes) -> tuple[int, bytes]:
        query = dict(parse_qsl(query_string.decode("latin-1")))
        if path.startswith(_HOTELS):
            hotel, _, rest = path[len(_HOTELS) :].partition("/")
            hotel_id = _number(hotel, high=_BIGINT_MAX)
            if rest == "":
                return await self._hotel(hotel_id)
            if rest == "reviews":
                limit = _number(query.get("limit"), default=DEFAULT_LIMIT, high=MAX_LIMIT)
                return await self._review_page(hotel_id, limit)
        elif path == "/api/v1/reviews/search":
            q = query.get("q")
            if not q:
                raise BadRequest("q is required")
            hotel = query.get("hotel_id")
            hotel_id = None if hotel is None else _number(hotel, high=_BIGINT_MAX)
            limit = _number(query.get("limit"), default=DEFAULT_LIMIT, high=MAX_LIMIT)
            return await self._search(q, hotel_id, limit)
        elif path == "/readyz":
            return 200, b'{"status":"ready"}'
        return 404, b'{"detail":"not found"}'

    async def _hotel(self, hotel_id: int) -> tuple[int, bytes]:
        s = self.statements
        assert self._pool is not None and s is not None
        inputs = {"hotel_id": hotel_id}
        async with self._pool.acquire() as connection:
            rows = await _fetch(connection, s.hotel, inputs)
        if not rows:
            return 404, b'{"detail":"no such hotel"}'
        return 200, _rows_json({"hotel": rows})

    async def _review_page(self, hotel_id: int, limit: int) -> tuple[int, bytes]:
        s = self.statements
        assert self._pool is not None and s is not None
        inputs = {"hotel_id": hotel_id, "fetch": limit + 1}
        async with self._pool.acquire() as connection:
            rows = await _fetch(connection, s.review_page, inputs)
            if not rows and not await _fetch(connection, s.hotel_exists, inputs):
                return 404, b'{"detail":"no such hotel"}'
            flags = await _flags(connection, s.review_flags, rows[:limit])
        return 200, _rows_json({"items": rows, "flags": flags})

    async def _search(self, q: str, hotel_id: int | None, limit: int) -> tuple[int, bytes]:
        s = self.statements
        assert self._pool is not None and s is not None
        inputs = {"q": q, "hotel_id": hotel_id, "fetch": limit + 1}
        statement = s.search_everywhere if hotel_id is None else s.search_in_hotel
        async with self._pool.acquire() as connection:
            rows = await _fetch(connection, statement, inputs)
            if (
                not rows
                and hotel_id is not None
                and not await _fetch(connection, s.hotel_exists, inputs)
            ):
                return 404, b'{"detail":"no such hotel"}'
            flags = await _flags(connection, s.review_flags, rows[:limit])
        return 200, _rows_json({"items": rows, "flags": flags})


async def _flags(
    connection: asyncpg.Connection, statement: Statement, rows: Sequence[asyncpg.Record]
) -> list[asyncpg.Record]:
    """The flags of the page's reviews, as the platform reads them (none asked for none)."""
    if not rows:
        return []
    return await _fetch(connection, statement, {"review_ids": [row["id"] for row in rows]})


async def _fetch(
    connection: asyncpg.Connection, statement: Statement, inputs: Mapping[str, Any]
) -> list[asyncpg.Record]:
    # fetch() prepares each statement once per connection (asyncpg's statement cache).
    return await connection.fetch(statement.sql, *statement.arguments(inputs))


def _rows_json(parts: Mapping[str, Sequence[asyncpg.Record]]) -> bytes:
    return orjson.dumps(
        {key: [dict(row) for row in rows] for key, rows in parts.items()},
        default=_json_default,
    )


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


async def _keep_session(connection: asyncpg.Connection) -> None:
    return None


app = DbLimitApp()
