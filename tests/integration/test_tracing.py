"""Traces end to end, with spans kept in memory: a request that misses the response cache is
one trace from the server span down to the database and Redis, the trace id the response and
its log line carry; a caller's W3C trace context is continued; ingest batches have spans;
with an endpoint configured, spans reach it over OTLP/HTTP. With tracing off, every response
still has a trace id."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from opentelemetry import propagate
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.observability.tracing import (
    otlp_provider,
    samples_new_trace,
    use_in_memory_tracing,
)
from tests.support.api_client import api_client
from tests.support.cache import HOTELS, write_feed
from tests.support.otlp_receiver import otlp_receiver
from tests.support.redis_server import RedisServer

TRACE_ID = re.compile(r"[0-9a-f]{32}")
# A caller's context: W3C's own example.
CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    with use_in_memory_tracing() as spans:
        yield spans


@pytest.fixture
def traced_settings(settings: Settings, redis_server: RedisServer) -> Settings:
    """The response cache on, with Redis behind it (its own key prefix), JSON logs."""
    return settings.model_copy(
        update={
            "cache_enabled": True,
            "redis_url": SecretStr(redis_server.url),
            "redis_key_prefix": f"test-{uuid.uuid4().hex[:12]}:",
            "log_format": "json",
            "request_log_flush_seconds": 0,
        }
    )


async def a_hotel(settings: Settings, engine: AsyncEngine, tmp_path: Path) -> int:
    feed = write_feed(tmp_path / "hotel.jl", hotel=7, reviews=range(700, 702))
    await ingest_paths(engine=engine, settings=settings, paths=[feed])
    async with api_client(settings) as client:
        return (await client.get(HOTELS)).json()["items"][0]["id"]


def in_trace(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [
        span
        for span in exporter.get_finished_spans()
        if f"{span.context.trace_id:032x}" == trace_id
    ]


def descends_from(span: ReadableSpan, ancestor: ReadableSpan, spans: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    parent = span.parent
    while parent is not None:
        if parent.span_id == ancestor.context.span_id:
            return True
        above = by_id.get(parent.span_id)
        parent = above.parent if above is not None else None
    return False


def request_lines(output: str) -> list[dict]:
    lines = [orjson.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "request"]


async def test_a_cache_miss_is_one_trace_through_the_database_and_redis_and_its_log_line(
    traced_settings: Settings,
    engine: AsyncEngine,
    tmp_path: Path,
    exporter: InMemorySpanExporter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hotel_id = await a_hotel(traced_settings, engine, tmp_path)
    async with api_client(traced_settings) as client:
        exporter.clear()
        capsys.readouterr()
        response = await client.get(f"{HOTELS}/{hotel_id}")
        output = capsys.readouterr().err

    assert response.status_code == 200 and response.headers["x-cache"] == "miss"
    trace_id = response.headers["x-trace-id"]
    assert TRACE_ID.fullmatch(trace_id)
    spans = in_trace(exporter, trace_id)
    servers = [span for span in spans if span.kind is SpanKind.SERVER]
    assert [span.name for span in servers] == ["GET /api/v1/hotels/{hotel_id}"]
    server = servers[0]
    assert server.parent is None
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/api/v1/hotels/{hotel_id}"
    assert server.attributes["http.response.status_code"] == 200
    database = [s for s in spans if s.attributes and s.attributes.get("db.system") == "redis"]
    queries = [
        s
        for s in spans
        if s.attributes and s.attributes.get("db.system") in ("postgresql", "sqlite")
    ]
    assert database, "no Redis span in the request's trace"
    assert queries, "no database span in the request's trace"
    assert all(descends_from(span, server, spans) for span in database + queries)
    [line] = request_lines(output)
    assert line["trace_id"] == trace_id
    assert line["route"] == "/api/v1/hotels/{hotel_id}"


async def test_a_callers_traceparent_is_continued(
    traced_settings: Settings, exporter: InMemorySpanExporter
) -> None:
    async with api_client(traced_settings) as client:
        response = await client.get("/livez", headers={"traceparent": TRACEPARENT})

    assert response.headers["x-trace-id"] == CALLER_TRACE_ID
    [server] = [s for s in in_trace(exporter, CALLER_TRACE_ID) if s.kind is SpanKind.SERVER]
    assert server.name == "GET /livez"
    assert server.parent is not None and f"{server.parent.span_id:016x}" == CALLER_SPAN_ID


async def test_an_unmatched_path_is_a_server_span_named_by_its_method_only(
    traced_settings: Settings, exporter: InMemorySpanExporter
) -> None:
    async with api_client(traced_settings) as client:
        response = await client.get("/api/v1/no-such-thing/42")

    assert response.status_code == 404
    [server] = [
        s for s in in_trace(exporter, response.headers["x-trace-id"]) if s.kind is SpanKind.SERVER
    ]
    assert server.name == "GET"
    assert server.attributes is not None and "http.route" not in server.attributes


async def test_at_a_sample_ratio_a_request_is_a_whole_trace_or_no_span_at_all(
    traced_settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    hotel_id = await a_hotel(traced_settings, engine, tmp_path)
    with use_in_memory_tracing(sample_ratio=0.5) as exporter:
        async with api_client(traced_settings) as client:
            exporter.clear()
            # Misses (through the database and Redis: each page size is its own cache entry),
            # hits and a route without either, all under fresh trace ids.
            misses = [f"{HOTELS}/{hotel_id}/reviews?limit={size}" for size in range(1, 31)]
            paths = [*misses, *[f"{HOTELS}/{hotel_id}"] * 15, *["/livez"] * 15]
            trace_ids = [(await client.get(path)).headers["x-trace-id"] for path in paths]
            called = await client.get("/livez", headers={"traceparent": TRACEPARENT})
        spans = exporter.get_finished_spans()

    # (The cache's background work, polling versions, makes traces of its own.)
    traced = {f"{span.context.trace_id:032x}" for span in spans} & {*trace_ids, CALLER_TRACE_ID}
    sampled = {t for t in trace_ids if samples_new_trace(int(t, 16))}
    # The middleware's decision is the SDK's: its sampled requests are traced, whole (their
    # server span is there), and the others left nothing, not even database or Redis spans.
    assert 0 < len(sampled) < len(trace_ids)
    assert called.headers["x-trace-id"] == CALLER_TRACE_ID
    assert traced == sampled | {CALLER_TRACE_ID}
    servers = {f"{s.context.trace_id:032x}" for s in spans if s.kind is SpanKind.SERVER}
    assert servers == traced
    in_requests = [s for s in spans if f"{s.context.trace_id:032x}" in sampled]
    assert any(s.attributes and s.attributes.get("db.system") == "redis" for s in in_requests)


async def test_the_trace_id_the_middleware_draws_is_the_one_sampled_and_recorded(
    traced_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Trace ids in turn below and above the 0.5 ratio's bound (low 64 bits 0 or all ones).
    drawn: list[str] = []

    def draw(bits: int) -> int:
        assert bits == 128
        low = 0 if len(drawn) % 2 == 0 else (1 << 64) - 1
        value = (int.from_bytes(os.urandom(8)) << 64) | low
        drawn.append(f"{value:032x}")
        return value

    monkeypatch.setattr("hotelreviews.observability.requests.getrandbits", draw)
    with use_in_memory_tracing(sample_ratio=0.5) as exporter:
        async with api_client(traced_settings) as client:
            answered = [(await client.get("/livez")).headers["x-trace-id"] for _ in range(10)]
        servers = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.SERVER]

    assert answered == drawn
    assert sorted(f"{s.context.trace_id:032x}" for s in servers) == sorted(drawn[0::2])


async def test_without_tracing_every_response_still_has_a_trace_id(settings: Settings) -> None:
    async with api_client(settings) as client:
        fresh = [(await client.get("/livez")).headers["x-trace-id"] for _ in range(3)]
        continued = await client.get("/livez", headers={"traceparent": TRACEPARENT})
        malformed = await client.get("/livez", headers={"traceparent": "00-abc-def-01"})

    assert all(TRACE_ID.fullmatch(trace_id) for trace_id in fresh)
    assert len(set(fresh)) == 3
    assert continued.headers["x-trace-id"] == CALLER_TRACE_ID
    assert TRACE_ID.fullmatch(malformed.headers["x-trace-id"])
    assert malformed.headers["x-trace-id"] not in fresh


async def test_each_ingest_batch_is_a_span_with_its_file_and_size(
    exporter: InMemorySpanExporter, settings: Settings, tmp_path: Path
) -> None:
    # 1200 lines in batches of 500 (the test settings): three batches.
    feed = write_feed(tmp_path / "big.jl", hotel=3, reviews=range(1200))

    engine = create_engine(settings)  # made while tracing is on: its statements are traced
    try:
        await ingest_paths(engine=engine, settings=settings, paths=[feed])
    finally:
        await engine.dispose()

    spans = exporter.get_finished_spans()
    batches = [span for span in spans if span.name == "ingest batch"]
    assert [span.attributes["hotelreviews.ingest.lines"] for span in batches] == [500, 500, 200]
    assert {span.attributes["hotelreviews.ingest.source"] for span in batches} == {feed}
    for batch in batches:
        statements = [
            span
            for span in spans
            if span.context.trace_id == batch.context.trace_id and span.kind is SpanKind.CLIENT
        ]
        assert statements, "a batch's statements are spans of its trace"
        assert all(descends_from(span, batch, list(spans)) for span in statements)


def test_the_ingest_command_exports_its_spans_over_otlp_to_the_configured_endpoint(
    settings: Settings, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jl", hotel=4, reviews=range(40))
    env = {**os.environ, "HOTELREVIEWS_DATA_DIR": str(settings.data_dir)}
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    with otlp_receiver() as receiver:
        env["HOTELREVIEWS_OTLP_ENDPOINT"] = receiver.url
        env["HOTELREVIEWS_REGION"] = "eu-west-1"
        env["HOTELREVIEWS_TRACE_SAMPLE_RATIO"] = "1"  # (by default, one batch in a hundred)
        done = subprocess.run(
            [sys.executable, "-m", "hotelreviews", "ingest", feed],
            env=env,
            capture_output=True,
            timeout=120,
        )
        spans = list(receiver.spans)

    assert done.returncode == 0, done.stderr
    assert set(receiver.paths) == {"/v1/traces"}
    [batch] = [span for span in spans if span.name == "ingest batch"]
    assert (batch.service, batch.region) == ("hotelreviews", "eu-west-1")
    assert batch.attributes["hotelreviews.ingest.lines"] == 40
    statements = [span for span in spans if span.parent_span_id == batch.span_id]
    assert statements and all(span.trace_id == batch.trace_id for span in statements)


def test_the_sample_ratio_drops_new_traces_but_follows_a_sampled_caller() -> None:
    settings = Settings(environment="test", trace_sample_ratio=0.0)
    with otlp_receiver() as receiver:
        provider = otlp_provider(settings, f"{receiver.url}/v1/traces")
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("a new trace"):
            pass
        caller = propagate.extract({"traceparent": TRACEPARENT})  # sampled upstream
        with tracer.start_as_current_span("a caller's trace", context=caller):
            pass
        provider.force_flush()
        provider.shutdown()
        names = [span.name for span in receiver.spans]

    assert names == ["a caller's trace"]
    assert receiver.spans[0].trace_id == CALLER_TRACE_ID
