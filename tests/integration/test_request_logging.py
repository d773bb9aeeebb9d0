"""One log line and one HTTP metric observation per request, whoever answers it: the
application, the response cache, the rate limit, the router's 404/405, an unhandled error.
Routes are logged and labelled by template, never by raw path; the trace id of the line is
the response's X-Trace-Id and the audit log's request id."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.hotels import service as hotel_service
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.api_client import api_client
from tests.support.cache import HOTELS, write_feed
from tests.support.protection import fresh_window, running_app

HOUR = 3600
DETAIL = "/api/v1/hotels/{hotel_id}"
TRACE_ID = re.compile(r"[0-9a-f]{32}")
METRIC = "hotelreviews_http_request_duration_seconds_count"


@pytest.fixture
def logged_settings(settings: Settings) -> Settings:
    """JSON lines; the response cache on; a default rate limit the traffic below reaches."""
    return settings.model_copy(
        update={
            "log_format": "json",
            "request_log_flush_seconds": 0,
            "cache_enabled": True,
            "rate_limit_default": "6/hour",
        }
    )


@pytest.fixture
async def hotel_id(logged_settings: Settings, engine: AsyncEngine, tmp_path: Path) -> int:
    feed = write_feed(tmp_path / "hotel.jl", hotel=5, reviews=range(500, 503))
    await ingest_paths(engine=engine, settings=logged_settings, paths=[feed])
    async with api_client(logged_settings.model_copy(update={"cache_enabled": False})) as client:
        return (await client.get(HOTELS)).json()["items"][0]["id"]


@pytest.fixture
async def client(logged_settings: Settings, hotel_id: int) -> AsyncIterator[httpx.AsyncClient]:
    await fresh_window(HOUR)
    async with api_client(logged_settings) as client:
        yield client


def request_lines(output: str) -> list[dict]:
    lines = [orjson.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "request"]


def json_lines(output: str) -> list[dict]:
    return [orjson.loads(line) for line in output.splitlines() if line.startswith("{")]


async def mixed_traffic(
    client: httpx.AsyncClient, hotel_id: int
) -> list[tuple[str, str, httpx.Response]]:
    """(route template, method, response) of requests answered by every part of the app."""
    detail = f"{HOTELS}/{hotel_id}"
    sent = [
        (DETAIL, "GET", await client.get(detail)),  # the application (a cache miss)
        (DETAIL, "GET", await client.get(detail)),  # the response cache
        (DETAIL, "GET", await client.get(f"{HOTELS}/987654")),  # a 404 of the route
        ("unmatched", "GET", await client.get("/api/v1/no/such/path/42")),
        (DETAIL, "POST", await client.post(detail)),  # 405
        ("/livez", "GET", await client.get("/livez")),  # not rate limited
    ]
    for _ in range(10):  # until the rate limit answers (6 per hour)
        response = await client.get(detail)
        sent.append((DETAIL, "GET", response))
        if response.status_code == 429:
            break
    return sent


async def test_every_request_is_logged_once_with_its_template_status_and_trace_id(
    client: httpx.AsyncClient, hotel_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    sent = await mixed_traffic(client, hotel_id)
    lines = request_lines(capsys.readouterr().err)

    statuses = [response.status_code for _, _, response in sent]
    assert statuses[:6] == [200, 200, 404, 404, 405, 200] and statuses[-1] == 429
    assert sent[1][2].headers["x-cache"] == "hit"
    assert len(lines) == len(sent)
    by_trace = {line["trace_id"]: line for line in lines}
    for route, method, response in sent:
        trace_id = response.headers["x-trace-id"]
        assert TRACE_ID.fullmatch(trace_id)
        line = by_trace[trace_id]
        assert (line["route"], line["method"], line["status"]) == (
            route,
            method,
            response.status_code,
        )
        assert line["client"] == "127.0.0.1" and line["level"] == "info"
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    # Identity is resolved for what passed the rate limit; the refused one never got there.
    assert {line["identity"] for line in lines if line["status"] != 429} == {"anonymous"}
    # Raw paths (and so ids) are never logged.
    assert not any("987654" in str(line) or "/such/" in str(line) for line in lines)


async def test_every_request_is_counted_in_the_http_metric_by_template(
    client: httpx.AsyncClient, hotel_id: int
) -> None:
    def count(route: str, method: str, status_class: str) -> float:
        labels = {"route": route, "method": method, "status_class": status_class}
        return REGISTRY.get_sample_value(METRIC, labels) or 0.0

    series = [
        (DETAIL, "GET", "2xx"),
        (DETAIL, "GET", "4xx"),
        (DETAIL, "POST", "4xx"),
        ("unmatched", "GET", "4xx"),
        ("/livez", "GET", "2xx"),
    ]
    before = {key: count(*key) for key in series}

    sent = await mixed_traffic(client, hotel_id)

    expected = Counter(
        (route, method, f"{response.status_code // 100}xx") for route, method, response in sent
    )
    assert {key: count(*key) - before[key] for key in series} == {
        key: float(expected[key]) for key in series
    }
    assert sum(expected.values()) == len(sent)
    assert not any("987654" in str(key) or "/such/" in str(key) for key in expected)


async def test_a_key_holders_requests_log_the_key_id_never_the_key(
    logged_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async with api_client(logged_settings, roles=("admin",)) as client:
        secret = client.headers["x-api-key"]
        capsys.readouterr()
        response = await client.get("/api/v1/audit-events")
    output = capsys.readouterr()

    assert response.status_code == 200
    [line] = request_lines(output.err)
    assert re.fullmatch(r"key:\d+", line["identity"])
    assert line["route"] == "/api/v1/audit-events"
    assert secret not in output.err + output.out


async def test_an_audit_event_carries_the_trace_id_of_its_request(
    logged_settings: Settings,
) -> None:
    async with api_client(logged_settings) as anonymous:
        login = await anonymous.post(
            "/api/v1/auth/login", json={"username": "nobody", "password": "not-a-password-1"}
        )
    async with api_client(logged_settings, roles=("admin",)) as admin:
        events = await admin.get("/api/v1/audit-events", params={"action": "auth.login_failed"})

    assert login.status_code == 401
    [event] = events.json()["items"]
    assert event["request_id"] == login.headers["x-trace-id"]


async def test_an_unhandled_error_is_a_500_with_a_trace_id_logged_with_its_traceback(
    logged_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("the list broke")

    monkeypatch.setattr(hotel_service, "list_hotels", broken)
    async with api_client(logged_settings, raise_app_exceptions=False) as client:
        capsys.readouterr()
        response = await client.get(HOTELS)
    lines = json_lines(capsys.readouterr().err)

    assert response.status_code == 500
    trace_id = response.headers["x-trace-id"]
    [request] = [line for line in lines if line["event"] == "request"]
    assert (request["status"], request["route"], request["trace_id"]) == (500, HOTELS, trace_id)
    [error] = [line for line in lines if line.get("logger") == "hotelreviews.api"]
    assert error["level"] == "error" and error["trace_id"] == trace_id
    assert "RuntimeError: the list broke" in error["exception"]


async def test_the_client_logged_is_the_one_trusted_proxies_forwarded_for(
    logged_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = logged_settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    async with running_app(settings) as connect:
        proxied = connect(peer="10.1.2.3")
        direct = connect(peer="198.51.100.7")
        capsys.readouterr()
        await proxied.get("/livez", headers={"X-Forwarded-For": "203.0.113.9"})
        await direct.get("/livez", headers={"X-Forwarded-For": "203.0.113.66"})
    lines = request_lines(capsys.readouterr().err)

    assert [line["client"] for line in lines] == ["203.0.113.9", "198.51.100.7"]
