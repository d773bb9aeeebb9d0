"""`hotelreviews serve` as deployed, with an OTLP endpoint and JSON logs: its spans reach the
collector continuing the caller's trace, uvicorn's own lines and the request lines are JSON,
and the trace id of a response is in its log line and its spans."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.support.otlp_receiver import OtlpReceiver, otlp_receiver
from tests.support.pg_server import free_port

DEADLINE_SECONDS = 120.0
CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"


def _get(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return int(response.status), dict(response.headers)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code), dict(error.headers)


def _eventually(condition: object, what: str) -> None:
    give_up = time.monotonic() + DEADLINE_SECONDS
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < give_up, f"never happened: {what}"
        time.sleep(0.1)


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as receiver:
        yield receiver


@pytest.fixture
def served(tmp_path: Path, receiver: OtlpReceiver) -> Iterator[tuple[str, Path]]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env.update(
        HOTELREVIEWS_DATA_DIR=str(tmp_path / "data"),
        HOTELREVIEWS_ENVIRONMENT="test",
        HOTELREVIEWS_LOG_FORMAT="json",
        HOTELREVIEWS_OTLP_ENDPOINT=receiver.url,
        HOTELREVIEWS_REGION="ap-southeast-1",
        OTEL_BSP_SCHEDULE_DELAY="100",  # export every 0.1 s rather than every 5 s
    )
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hotelreviews", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:

            def answers() -> bool:
                assert process.poll() is None, log_path.read_text()
                try:
                    return _get(f"{base}/livez")[0] == 200
                except OSError:
                    return False

            _eventually(answers, "serve answering")
            yield base, log_path
        finally:
            process.terminate()
            process.wait(timeout=60)


def test_serve_exports_spans_continuing_the_callers_trace_and_logs_json(
    served: tuple[str, Path], receiver: OtlpReceiver
) -> None:
    base, log_path = served
    traceparent = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"

    status, headers = _get(f"{base}/api/v1/hotels", traceparent=traceparent)

    assert status == 200 and headers["x-trace-id"] == CALLER_TRACE_ID

    def server_span() -> list:
        return [s for s in receiver.spans if s.trace_id == CALLER_TRACE_ID and s.parent_span_id]

    _eventually(
        lambda: any(s.name == "GET /api/v1/hotels" for s in server_span()), "the server span"
    )
    spans = server_span()
    [server] = [s for s in spans if s.name == "GET /api/v1/hotels"]
    assert server.parent_span_id == CALLER_SPAN_ID
    assert (server.service, server.region) == ("hotelreviews", "ap-southeast-1")
    assert server.attributes["http.route"] == "/api/v1/hotels"
    _eventually(
        lambda: any(s.parent_span_id == server.span_id for s in server_span()),
        "the request's statements",
    )

    def logged() -> list[dict]:
        return [orjson.loads(line) for line in log_path.read_text().splitlines()]

    # Request lines are buffered (HOTELREVIEWS_REQUEST_LOG_FLUSH_SECONDS, 1 s).
    _eventually(
        lambda: any(line.get("trace_id") == CALLER_TRACE_ID for line in logged()),
        "the request's log line",
    )
    lines = logged()
    [request] = [line for line in lines if line.get("trace_id") == CALLER_TRACE_ID]
    assert (request["event"], request["route"], request["status"]) == (
        "request",
        "/api/v1/hotels",
        200,
    )
    assert any(line.get("logger") == "uvicorn.error" for line in lines)  # uvicorn's own, as JSON
