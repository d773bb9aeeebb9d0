"""Issue 13, item 6: the address `hotelreviews serve` prints (`http://127.0.0.1:8000/`) answered
a 404 problem document. Until web pages exist, `/` redirects to the interactive docs, with a
relative Location (no Host header echoed), for every caller, and stays out of the API schema."""

from __future__ import annotations

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client


async def test_opening_the_root_address_redirects_to_the_interactive_docs(
    settings: Settings,
) -> None:
    async with api_client(settings) as client:
        response = await client.get("/")
        assert response.status_code == 307, response.text
        assert response.headers["location"] == "/docs"  # relative: no host, no scheme

        docs = await client.get("/", follow_redirects=True)
        assert docs.status_code == 200
        assert docs.url.path == "/docs"
        assert "text/html" in docs.headers["content-type"]


async def test_a_head_request_for_the_root_gets_the_same_redirect(settings: Settings) -> None:
    async with api_client(settings) as client:
        response = await client.head("/")
        assert response.status_code == 307
        assert response.headers["location"] == "/docs"


async def test_the_root_redirect_is_not_an_operation_of_the_api_schema(
    settings: Settings,
) -> None:
    async with api_client(settings) as client:
        schema = (await client.get("/openapi.json")).json()
        assert "/" not in schema["paths"]
        assert "/docs" not in schema["paths"]
