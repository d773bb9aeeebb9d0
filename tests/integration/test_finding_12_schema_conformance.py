"""Finding 12: what schemathesis (all phases) found outside the published schema, each as a
direct test: undocumented 400 (bodies that are not JSON) and 414; `cursor=0` refused though
the schema allowed any string; OPTIONS answers naming fewer methods than the schema; an
anonymous malformed POST answered 400 before 401; 413/414 without the security headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client

INGESTIONS = "/api/v1/ingestions"
HOTELS = "/api/v1/hotels"
NOT_UTF8_JSON = b"\xff\xfe{\x00"
SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "content-security-policy")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings.model_copy(update={"rate_limit_enabled": False})) as client:
        yield client


async def schema_of(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


async def test_a_body_that_is_not_utf8_json_gets_the_documented_422_not_a_400(
    client: httpx.AsyncClient,
) -> None:
    documented = (await schema_of(client))["paths"]["/api/v1/auth/login"]["post"]["responses"]
    # FastAPI answered 400 to the first (json.loads fails on its bytes before parsing), 422
    # to the others.
    for body in (b"\x80{}", NOT_UTF8_JSON, b"{not json"):
        response = await client.post(
            "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert str(response.status_code) in documented
        assert response.json()["code"] == "invalid_body"


async def test_414_431_and_413_are_documented_on_every_operation(
    client: httpx.AsyncClient,
) -> None:
    schema = await schema_of(client)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            missing = {"413", "414", "431"} - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} does not document {missing}"
    response = await client.get(HOTELS, params={"q": "x", "city": "y" * 9000})
    assert response.status_code == 414


async def test_the_schema_states_the_cursor_shape_and_cursor_0_is_refused_by_it(
    client: httpx.AsyncClient,
) -> None:
    parameters = (await schema_of(client))["paths"][HOTELS]["get"]["parameters"]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    shapes = cursor["schema"].get("anyOf", [cursor["schema"]])
    patterns = [shape["pattern"] for shape in shapes if "pattern" in shape]
    assert patterns, f"the schema promises any string as a cursor: {cursor['schema']}"
    pattern = patterns[0]
    assert re.fullmatch(pattern, "0") is None  # so no client is promised it means anything
    response = await client.get(HOTELS, params={"cursor": "0"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert [error["field"] for error in response.json()["errors"]] == ["query.cursor"]
    # A cursor the API issued matches the pattern.
    first = (await client.get(HOTELS, params={"limit": 1})).json()
    if first["next_cursor"] is not None:
        assert re.fullmatch(pattern, first["next_cursor"])


async def test_options_and_other_methods_get_405_naming_every_method_of_the_path(
    client: httpx.AsyncClient,
) -> None:
    documented = {m.upper() for m in (await schema_of(client))["paths"][INGESTIONS]}
    assert documented == {"GET", "POST"}
    for method in ("OPTIONS", "PUT", "DELETE", "PATCH"):
        response = await client.request(method, INGESTIONS)
        assert response.status_code == 405
        allowed = {m.strip() for m in response.headers["allow"].split(",")} - {"HEAD"}
        assert allowed == documented, method


async def test_an_anonymous_malformed_post_gets_401_whatever_its_body(
    client: httpx.AsyncClient,
) -> None:
    for body, content_type in (
        (NOT_UTF8_JSON, "application/json"),
        (b"{not json", "application/json"),
        (b'{"unknown": 1}', "application/json"),
        (b"source_uri=x", "application/x-www-form-urlencoded"),
    ):
        response = await client.post(
            INGESTIONS, content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 401, (body, response.text)
        assert response.json()["code"] == "authentication_required"


async def test_a_role_that_may_not_post_gets_403_before_its_body_is_read(
    settings: Settings,
) -> None:
    async with api_client(settings, roles=["analyst"]) as client:
        response = await client.post(
            INGESTIONS, content=NOT_UTF8_JSON, headers={"content-type": "application/json"}
        )
    assert response.status_code == 403


async def test_size_refusals_carry_the_security_headers(settings: Settings) -> None:
    limits = {
        "rate_limit_enabled": False,
        "max_url_bytes": 512,
        "max_header_bytes": 2048,
        "max_body_bytes": 2048,
    }
    async with api_client(settings.model_copy(update=limits)) as client:
        refusals = [
            await client.get(HOTELS, params={"q": "x" * 600}),
            await client.get(HOTELS, headers={"x-note": "y" * 3000}),
            await client.post(INGESTIONS, content=b"{" + b" " * 5000 + b"}"),
        ]
    assert [response.status_code for response in refusals] == [414, 431, 413]
    for response in refusals:
        for header in SECURITY_HEADERS:
            assert header in response.headers, (response.status_code, header)
        # Once each: they are added in one place.
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
