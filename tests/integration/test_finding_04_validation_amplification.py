"""Finding 4: a 1 MiB body of 96,000 unknown keys to /auth/refresh earned a 7.7 MB 422 after
seconds of event-loop work, and a dozen of them stalled /livez.

Now the credential routes take small bodies only (refused before a byte is parsed), a 422
lists at most max_validation_errors field errors and counts them all, and the event loop
stays free to answer health checks while such requests are in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client

REFRESH = "/api/v1/auth/refresh"
JSON = {"content-type": "application/json"}


def unknown_keys(count: int) -> bytes:
    """The finding's body: {"k0": 1, "k1": 1, ...}; 96,000 keys make 1.04 MB, under 1 MiB."""
    return orjson.dumps({f"k{n}": 1 for n in range(count)})


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings.model_copy(update={"rate_limit_enabled": False})) as client:
        yield client


async def test_a_megabyte_of_unknown_keys_to_refresh_is_refused_small_before_it_is_parsed(
    client: httpx.AsyncClient,
) -> None:
    body = unknown_keys(96_000)
    assert 1_000_000 < len(body) < 1024 * 1024  # within the general body limit
    response = await client.post(REFRESH, content=body, headers=JSON)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert "4096 bytes" in response.json()["detail"]
    assert len(response.content) < 1000
    # The refusal carries the security headers like any other answer.
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_same_body_streamed_without_a_length_is_cut_off_at_the_small_limit(
    client: httpx.AsyncClient,
) -> None:
    body = unknown_keys(96_000)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    response = await client.post(REFRESH, content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


async def test_a_422_lists_twenty_errors_and_counts_them_all(client: httpx.AsyncClient) -> None:
    body = unknown_keys(200)  # 3 KB: within the auth routes' limit
    response = await client.post(REFRESH, content=body, headers=JSON)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert len(problem["errors"]) == 20
    assert problem["error_count"] == 201  # 200 unknown keys and the missing refresh_token
    assert "and 181 more errors" in problem["detail"]
    assert len(response.content) < 5000


async def test_the_cap_is_a_setting(settings: Settings) -> None:
    changes = {"rate_limit_enabled": False, "max_validation_errors": 3}
    async with api_client(settings.model_copy(update=changes)) as client:
        response = await client.post(REFRESH, content=unknown_keys(10), headers=JSON)
    problem = response.json()
    assert [len(problem["errors"]), problem["error_count"]] == [3, 11]


async def test_a_small_valid_shaped_body_still_reaches_the_route(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(REFRESH, json={"refresh_token": "not-a-real-one"})
    assert response.status_code == 401
    assert response.json()["code"] != "body_too_large"


async def test_liveness_answers_while_a_dozen_oversized_bodies_are_in_flight(
    client: httpx.AsyncClient,
) -> None:
    body = unknown_keys(96_000)
    floods = [
        asyncio.create_task(client.post(REFRESH, content=body, headers=JSON)) for _ in range(12)
    ]
    live = await client.get("/livez")
    answers = await asyncio.gather(*floods)
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert [answer.status_code for answer in answers] == [413] * 12
