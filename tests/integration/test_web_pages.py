"""The web pages' routes without a browser (the flows in one: tests/browser): each page and
its strict Content-Security-Policy, the query written back into the forms escaped, the
assets under content-hashed names cached for good, and what a wrong address gets."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client

PAGES = (
    "/",
    "/hotels/1",
    "/search?q=breakfast",
    "/login?next=/manage",
    "/manage?hotel=1",
    "/operations?view=queue",
    "/operations/ingestions/1?cursor=abc",
)
STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
ASSET = re.compile(r'(?:src|href)="(/assets/[^"]+)"')


@pytest.fixture
async def client(settings: Settings) -> httpx.AsyncClient:
    async with api_client(settings) as client:
        yield client


@pytest.mark.parametrize("path", PAGES)
async def test_each_page_is_html_under_the_strict_policy(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == STRICT
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"
    # Nothing inline that the policy would refuse: scripts and styles are files of ours.
    assert re.search(r"<script(?![^>]*\bsrc=)", response.text) is None
    assert "<style" not in response.text and " style=" not in response.text


async def test_the_docs_keep_their_own_policy(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]


async def test_the_query_written_into_the_forms_is_escaped(client: httpx.AsyncClient) -> None:
    markup = '"><script>alert(1)</script>'
    for path in ("/", "/search"):
        response = await client.get(path, params={"q": markup})
        assert markup not in response.text
        assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    hotel = await client.get("/hotels/7", params={"language": markup, "provider_id": markup})
    assert markup not in hotel.text
    assert 'data-hotel-id="7"' in hotel.text


async def test_assets_have_hashed_names_and_are_cached_for_good(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/hotels/1")
    urls = ASSET.findall(page.text)
    names = {url.rsplit("/", 1)[1].split(".")[0] for url in urls}
    # Our own files and the chart library's, straight from node_modules.
    assert {"site", "common", "hotel", "uPlot", "favicon"} <= names
    for url in urls:
        assert re.fullmatch(r"/assets/[A-Za-z]+\.[0-9a-f]{12}\.(js|css|svg)", url), url
        asset = await client.get(url)
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        expected = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
        assert asset.headers["content-type"].startswith(expected[url.rsplit(".", 1)[1]])
        # An old (or made-up) version of the same file is no file of ours.
        stale = re.sub(r"\.[0-9a-f]{12}\.", ".000000000000.", url)
        assert (await client.get(stale)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/hotels/0",
        "/hotels/abc",
        "/hotels/99999999999999999999",
        "/operations/ingestions/0",
        "/operations/ingestions/x1",
        "/assets/x.js",
    ],
)
async def test_a_wrong_address_is_a_404_page(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == STRICT
    assert "Not found" in response.text


async def test_without_the_npm_packages_the_pages_still_serve_without_the_chart(
    settings: Settings, tmp_path: Path
) -> None:
    elsewhere = settings.model_copy(update={"web_node_modules": tmp_path / "node_modules"})
    async with api_client(elsewhere) as client:
        page = await client.get("/hotels/1")
        assert page.status_code == 200
        names = {url.rsplit("/", 1)[1].split(".")[0] for url in ASSET.findall(page.text)}
        assert "uPlot" not in names and "hotel" in names
