"""An httpx client wired to a running app (lifespan entered), in process, no sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from sqlalchemy import event

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


@contextmanager
def recorded_statements(client: httpx.AsyncClient) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block (transaction control left out)."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    engine = transport.app.state.router.primary.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.split(None, 1)[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"}:
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
