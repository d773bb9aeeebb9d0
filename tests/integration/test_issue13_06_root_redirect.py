"""Issue 13, item 6: the address `hotelreviews serve` prints (`http://127.0.0.1:8000/`) answered
a 404 problem document. It redirected to the interactive docs until web pages existed; now
(issue 17) it serves the Explorer itself: a page, for every caller, outside the API schema.
The pages themselves: tests/integration/test_web_pages.py and tests/browser."""

from __future__ import annotations

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client


async def test_opening_the_root_address_shows_the_explorer(settings: Settings) -> None:
    async with api_client(settings) as client:
        response = await client.get("/")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>Find a hotel</h1>" in response.text
        assert 'href="/docs"' in response.text  # the interactive docs are one link away


async def test_a_head_request_for_the_root_gets_the_page_headers(settings: Settings) -> None:
    async with api_client(settings) as client:
        response = await client.head("/")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")


async def test_the_root_page_is_not_an_operation_of_the_api_schema(settings: Settings) -> None:
    async with api_client(settings) as client:
        schema = (await client.get("/openapi.json")).json()
        assert "/" not in schema["paths"]
        assert "/docs" not in schema["paths"]
