"""An httpx client wired to a running app (lifespan entered), in process, no sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.factory import create_app
from hotelreviews.core.settings import Settings
from hotelreviews.security import service as security_service
from hotelreviews.security.authn import API_KEY_HEADER

# The host in-process clients name: one the default HOTELREVIEWS_ALLOWED_HOSTS allows, so
# that settings built anywhere in the tests need no host of their own.
TEST_HOST = "localhost"


@asynccontextmanager
async def api_client(
    settings: Settings, *, raise_app_exceptions: bool = True, roles: Iterable[str] = ()
) -> AsyncIterator[httpx.AsyncClient]:
    """With roles, every request carries a fresh API key holding them (X-API-Key)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{TEST_HOST}") as client:
            if roles:
                client.headers.update(await api_key_headers(client, *roles))
            yield client


async def api_key_headers(client: httpx.AsyncClient, *roles: str) -> dict[str, str]:
    """The header of a new API key with these roles, created in the client's app's database."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    engine = transport.app.state.router.primary.engine  # type: ignore[attr-defined]
    _, secret = await security_service.create_api_key(
        engine=engine, name=f"test {' '.join(roles)}", roles=frozenset(roles)
    )
    return {API_KEY_HEADER: secret}


USER_PASSWORD = "correct horse battery staple"


async def user_headers(
    client: httpx.AsyncClient, username: str, *roles: str, hotel_ids: Iterable[int] = ()
) -> dict[str, str]:
    """The Authorization header of a new user with these roles and hotels (security.hotel_scope),
    signed in through the API."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    engine = transport.app.state.router.primary.engine  # type: ignore[attr-defined]
    await security_service.create_user(
        engine=engine,
        username=username,
        password=USER_PASSWORD,
        roles=frozenset(roles),
        hotel_ids=hotel_ids,
    )
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": USER_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def get_json(client: httpx.AsyncClient, url: str, status: int = 200, **params: Any) -> Any:
    """GET and decode, asserting the status (and the content type that goes with it)."""
    response = await client.get(url, params=params or None)
    assert response.status_code == status, response.text
    expected = "application/json" if status < 400 else "application/problem+json"
    assert response.headers["content-type"] == expected
    return response.json()


async def walk(client: httpx.AsyncClient, url: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following next_cursor to the end."""
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        query = dict(params, cursor=cursor) if cursor else params
        body = await get_json(client, url, **query)
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 1000, "pagination does not end"


@asynccontextmanager
async def recorded_statements(client: httpx.AsyncClient) -> AsyncIterator[list[str]]:
    """The SQL statements the app runs on its primary inside the block (transaction control
    left out), whether through SQLAlchemy or straight through the driver."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    engine = transport.app.state.router.primary.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def record(statement: str, parameters: Any) -> None:
        if statement.split(None, 1)[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"}:
            statements.append(statement)

    async with sent_statements(engine, record):
        yield statements


@asynccontextmanager
async def sent_statements(
    engine: AsyncEngine, record: Callable[[str, Any], None]
) -> AsyncIterator[None]:
    """`record(sql, parameters)` for each statement the engine's connections send inside the
    block, in order: those SQLAlchemy executes (its before_cursor_execute event) and those
    run straight through the driver (core.driver_reads; asyncpg's query logger on every
    connection checked out meanwhile). SQLAlchemy's executions go through asyncpg prepared
    statements, which the query logger does not see: nothing is recorded twice. asyncpg calls
    its loggers on the event loop's next turn: the block's end waits for one, so the last
    statement is recorded too; within a request, a driver statement may be recorded after a
    SQLAlchemy one that followed it (the benchmark's paths send only one kind)."""

    def executed(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        record(statement, parameters)

    def logged(query: Any) -> None:
        record(query.query, query.args)

    def checkout(dbapi_connection: Any, *args: Any) -> None:
        driver = dbapi_connection.driver_connection
        if hasattr(driver, "add_query_logger"):  # asyncpg
            driver.add_query_logger(logged)

    def checkin(dbapi_connection: Any, *args: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if hasattr(driver, "remove_query_logger"):
            driver.remove_query_logger(logged)

    listeners = [("before_cursor_execute", executed), ("checkout", checkout), ("checkin", checkin)]
    for name, listener in listeners:
        event.listen(engine.sync_engine, name, listener)
    try:
        yield
        await asyncio.sleep(0)  # asyncpg's loggers run now
    finally:
        for name, listener in listeners:
            event.remove(engine.sync_engine, name, listener)
