"""Whatever a client sends, the answer is a problem+json naming what was wrong, never a 500."""

from __future__ import annotations

import asyncio
import base64
import re
import urllib.parse
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from hotelreviews.core import migrations
from hotelreviews.core.pagination import CURSOR_PATTERN
from hotelreviews.core.settings import Settings
from hotelreviews.hotels import service as hotel_service
from tests.support.api_client import api_client, get_json

HUGE = "9" * 30
INT64_MAX = str(2**63 - 1)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # Credentials that may read ingestions: their errors are checked here too.
    async with api_client(settings, roles=["analyst"]) as client:
        yield client


def cursor_of(payload: object) -> str:
    raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


INVALID = [
    ("/api/v1/hotels?limit=-1", ["query.limit"]),
    ("/api/v1/hotels?limit=0", ["query.limit"]),
    ("/api/v1/hotels?limit=101", ["query.limit"]),
    ("/api/v1/hotels?limit=abc", ["query.limit"]),
    ("/api/v1/hotels?limit=1e3", ["query.limit"]),
    (f"/api/v1/hotels?limit={HUGE}", ["query.limit"]),
    (
        "/api/v1/hotels?limit=0&min_rating=20&sort=stars",
        ["query.sort", "query.limit", "query.min_rating"],
    ),
    ("/api/v1/hotels?min_rating=nan", ["query.min_rating"]),
    ("/api/v1/hotels?min_rating=inf", ["query.min_rating"]),
    ("/api/v1/hotels?min_rating=-0.1", ["query.min_rating"]),
    (f"/api/v1/hotels?min_reviews={HUGE}", ["query.min_reviews"]),
    ("/api/v1/hotels?min_reviews=-1", ["query.min_reviews"]),
    ("/api/v1/hotels?q=" + "x" * 101, ["query.q"]),
    ("/api/v1/hotels?q=", ["query.q"]),
    ("/api/v1/hotels?city=a%00b", ["query.city"]),
    ("/api/v1/hotels?include_total=perhaps", ["query.include_total"]),
    ("/api/v1/hotels?cursor=" + "A" * 2049, ["query.cursor"]),
    (f"/api/v1/hotels/{HUGE}", ["path.hotel_id"]),
    (f"/api/v1/hotels/{2**63}", ["path.hotel_id"]),
    ("/api/v1/hotels/-5", ["path.hotel_id"]),
    ("/api/v1/hotels/0", ["path.hotel_id"]),
    ("/api/v1/hotels/abc", ["path.hotel_id"]),
    ("/api/v1/hotels/1.5", ["path.hotel_id"]),
    ("/api/v1/hotels/1/reviews?since=yesterday", ["query.since"]),
    ("/api/v1/hotels/1/reviews?since=2025-13-01", ["query.since"]),
    ("/api/v1/hotels/1/reviews?until=2025-02-30", ["query.until"]),
    ("/api/v1/hotels/1/reviews?since=2025-03-01T10:00:00", ["query.since"]),
    ("/api/v1/hotels/1/reviews?since=0001-01-01T00:00:00%2B01:00", ["query.since"]),
    ("/api/v1/hotels/1/reviews?since=" + "2" * 41, ["query.since"]),
    ("/api/v1/hotels/1/reviews?traveller_type=alien", ["query.traveller_type"]),
    ("/api/v1/hotels/1/reviews?has_response=maybe", ["query.has_response"]),
    ("/api/v1/hotels/1/reviews?language=e%20n", ["query.language"]),
    ("/api/v1/hotels/1/reviews?provider_id=0", ["query.provider_id"]),
    ("/api/v1/hotels/1/reviews?provider_id=99999999999", ["query.provider_id"]),
    (
        "/api/v1/hotels/1/reviews?min_rating=10.5&max_rating=-1",
        ["query.min_rating", "query.max_rating"],
    ),
    ("/api/v1/hotels/1/reviews?sort=random", ["query.sort"]),
    (f"/api/v1/reviews/{HUGE}", ["path.review_id"]),
    ("/api/v1/reviews/search?q=quiet&limit=1000", ["query.limit"]),
    (f"/api/v1/ingestions/{HUGE}", ["path.ingestion_id"]),
    ("/api/v1/ingestions/1/rejected-lines?limit=-3", ["query.limit"]),
    ("/api/v1/providers?limit=0", ["query.limit"]),
]


async def test_malformed_parameters_are_422_problems_naming_every_field(
    client: httpx.AsyncClient,
) -> None:
    # One app for all cases (starting one per case costs more than the checks themselves).
    failures = []
    for url, fields in INVALID:
        response = await client.get(url)
        body = response.json()
        named = sorted({error["field"] for error in body.get("errors", [])})
        if (
            response.status_code != 422
            or response.headers["content-type"] != "application/problem+json"
            or body["code"] != "validation_failed"
            or body["status"] != 422
            or not body["type"].endswith("validation_failed")
            or named != sorted(fields)
            or not all(error["message"] for error in body["errors"])
            or not all(field in body["detail"] for field in fields)
        ):
            failures.append((url, response.status_code, body))
    assert failures == []


GARBLED_CURSORS = [
    "!!!",
    "a",
    "%F0%9F%99%82",
    base64.urlsafe_b64encode(b"not json").decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    cursor_of({}),
    cursor_of([]),
    cursor_of(["hotels:rating"]),
    cursor_of(["hotels:name", ["Alpha", 1]]),  # another sort order
    cursor_of(["hotels:rating", [7.0]]),  # too few keys
    cursor_of(["hotels:rating", [7.0, 1, 2]]),  # too many
    cursor_of(["hotels:rating", ["7.0", 1]]),  # wrong type
    cursor_of(["hotels:rating", [7.0, "1"]]),
    cursor_of(["hotels:rating", [7.0, True]]),
    cursor_of(b'["hotels:rating", [7.0, 1180591620717411303424]]'),
    cursor_of(b'["hotels:rating", [7.0, 9223372036854775808]]'),
    cursor_of(b'["hotels:rating", [1e400, 1]]'),
    cursor_of(["hotels:rating", [None, 1]]),
    cursor_of(["hotels:rating", [7.0, 1.5]]),
    cursor_of("hotels:rating"),
]


async def test_garbled_or_foreign_cursors_are_invalid_cursor_problems(
    client: httpx.AsyncClient,
) -> None:
    failures = []
    for cursor in GARBLED_CURSORS:
        response = await client.get(f"/api/v1/hotels?cursor={cursor}")
        body = response.json()
        # Outside the documented shape (unpadded base64url) it is a validation problem of
        # the parameter; of that shape, the decoded cursor itself is refused.
        shaped = re.fullmatch(CURSOR_PATTERN, urllib.parse.unquote(cursor)) is not None
        if (
            response.status_code != 422
            or body["code"] != ("invalid_cursor" if shaped else "validation_failed")
            or [error["field"] for error in body["errors"]] != ["query.cursor"]
        ):
            failures.append((cursor, response.status_code, body))
    assert failures == []


@pytest.mark.parametrize(
    "cursor",
    [
        cursor_of(["reviews:newest", ["not a date", 1]]),
        cursor_of(["reviews:newest", ["2025-03-01T00:00:00", 1]]),  # no offset
        cursor_of(b'["reviews:newest", ["2025-03-01T00:00:00+00:00", -18446744073709551616]]'),
        cursor_of(["reviews:newest", ["2025-03-01" * 10, 1]]),
    ],
)
async def test_cursors_with_bad_dates_are_refused(client: httpx.AsyncClient, cursor: str) -> None:
    body = await get_json(client, "/api/v1/hotels/1/reviews", cursor=cursor, status=422)
    assert body["code"] == "invalid_cursor"


async def test_a_forged_but_well_formed_cursor_just_resumes(client: httpx.AsyncClient) -> None:
    cursor = cursor_of(["hotels:rating", [11.0, 0]])
    body = await get_json(client, "/api/v1/hotels", cursor=cursor)
    assert body == {"items": [], "next_cursor": None, "total": None, "total_exact": None}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/hotels?city=Z%C3%BCrich",
        "/api/v1/hotels?q=%E6%9D%B1%E4%BA%AC",
        "/api/v1/hotels?q=%F0%9F%99%82",
        "/api/v1/hotels?q=%ff%fe",  # not UTF-8: decoded with replacement characters
        "/api/v1/hotels?country=%27%3B%20DROP%20TABLE%20hotels%3B--",
        f"/api/v1/hotels?min_reviews={2**31 - 1}",
        "/api/v1/hotels?min_rating=10&min_reviews=0",
        "/api/v1/hotels/1/reviews?since=9999-12-31&until=9999-12-31",
        "/api/v1/hotels/1/reviews?until=0001-01-01",
        "/api/v1/hotels/1/reviews?since=2025-03-01T10:00:00Z&until=2025-03-01T09:00:00Z",
        "/api/v1/hotels/1/reviews?language=zh-Hant",
    ],
)
async def test_odd_but_valid_input_is_answered(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code in (200, 404), response.text
    body = response.json()
    if response.status_code == 200:
        assert body["items"] == []
    else:
        assert body["code"] == "hotel_not_found"


async def test_the_largest_id_is_a_404_not_an_overflow(client: httpx.AsyncClient) -> None:
    for url in ("hotels", "reviews", "ingestions"):
        body = await get_json(client, f"/api/v1/{url}/{INT64_MAX}", status=404)
        assert body["code"].endswith("_not_found")
    body = await get_json(client, f"/api/v1/hotels/{INT64_MAX}/reviews", status=404)
    assert body["code"] == "hotel_not_found"


async def test_unknown_routes_and_methods_are_problems(client: httpx.AsyncClient) -> None:
    body = await get_json(client, "/api/v1/nope", status=404)
    assert body["code"] == "not_found"
    response = await client.post("/api/v1/hotels")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


async def test_an_unexpected_error_is_a_500_without_internals(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("secret connection string postgres://user:pw@db")

    monkeypatch.setattr(hotel_service, "list_hotels", broken)
    async with api_client(settings, raise_app_exceptions=False) as client:
        response = await client.get("/api/v1/hotels")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "internal_error" and body["status"] == 500
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert "secret connection string" in caplog.text  # logged for us, with the traceback


async def test_liveness_and_readiness(client: httpx.AsyncClient) -> None:
    assert await get_json(client, "/livez") == {"status": "ok"}
    assert await get_json(client, "/readyz") == {
        "status": "ready",
        "database": "ok",
        "schema_revision": migrations.head_revision(Settings()),
        "cache": "off",  # the fixture's settings turn the response cache off
    }


async def test_readiness_fails_when_the_schema_is_not_current(settings: Settings) -> None:
    async with api_client(settings) as client:
        await asyncio.to_thread(migrations.downgrade, settings, "base")
        body = await get_json(client, "/readyz", status=503)
    assert body["code"] == "schema_outdated"
    assert "hotelreviews migrate upgrade" in body["detail"]


async def test_startup_migrates_the_embedded_database_but_refuses_an_outdated_server(
    settings: Settings,
) -> None:
    await asyncio.to_thread(migrations.downgrade, settings, "base")
    if settings.is_embedded:
        async with api_client(settings) as client:
            assert (await get_json(client, "/readyz"))["status"] == "ready"
            assert (await get_json(client, "/api/v1/hotels"))["items"] == []
    else:
        with pytest.raises(migrations.SchemaOutdated, match="migrate upgrade"):
            async with api_client(settings):
                pass


async def test_openapi_documents_schemas_and_problems(client: httpx.AsyncClient) -> None:
    schema = await get_json(client, "/openapi.json")
    names = set(schema["components"]["schemas"])
    assert {
        "HotelRead",
        "HotelPage",
        "ReviewRead",
        "ReviewPage",
        "ReviewSearchPage",
        "ProviderPage",
        "IngestionRead",
        "RejectedLinePage",
        "Problem",
    } <= names
    operation = schema["paths"]["/api/v1/hotels/{hotel_id}"]["get"]
    assert operation["operationId"] == "get_hotel"
    assert set(operation["responses"]["404"]["content"]) == {"application/problem+json"}
    assert schema["components"]["schemas"]["HotelRead"]["example"]["histogram"]["10"] == 0
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
