"""Log formats (JSON lines in production, a console for people), the trace id on every line
of a request, and the redaction of secrets and review text, for structlog's loggers and the
standard library's alike."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import structlog

from hotelreviews.core.settings import Settings
from hotelreviews.observability.logging import (
    REDACTED,
    configure_logging,
    current_trace_id,
    request_logger,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test configures logging to a buffer; put back what the session had."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), logging.getLogger("hotelreviews").level
    config = structlog.get_config()
    try:
        yield
    finally:
        root.handlers[:] = handlers
        logging.getLogger("hotelreviews").setLevel(level)
        structlog.configure(**config)


def configured(**settings: object) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(Settings(**settings), stream=stream)  # type: ignore[arg-type]
    return stream


def test_production_logs_are_one_json_object_per_line_from_every_kind_of_logger() -> None:
    stream = configured(environment="production")

    request_logger()(method="GET", route="/livez", status=200)
    structlog.get_logger().info("cache state", entries=3)
    logging.getLogger("hotelreviews.worker").info("ingestion %d started", 3)
    logging.getLogger("uvicorn.error").warning("a warning from a library")

    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == [
        "request",
        "cache state",
        "ingestion 3 started",
        "a warning from a library",
    ]
    assert lines[0]["route"] == "/livez" and lines[0]["status"] == 200
    assert lines[1]["entries"] == 3
    assert [line["level"] for line in lines] == ["info", "info", "info", "warning"]
    assert [line.get("logger") for line in lines[2:]] == ["hotelreviews.worker", "uvicorn.error"]
    for line in lines:
        stamped = datetime.fromisoformat(line["timestamp"])
        assert stamped.tzinfo is not None and stamped.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - stamped) < timedelta(minutes=5)


def test_request_lines_are_buffered_and_written_together_before_any_other_line() -> None:
    stream = configured(environment="production", request_log_flush_seconds=0.2)

    for status in (200, 304):
        request_logger()(route="/livez", status=status)
    assert stream.getvalue() == ""  # not yet: one write for many requests

    deadline = time.monotonic() + 30
    while not stream.getvalue():
        assert time.monotonic() < deadline, "the buffered lines were never written"
        time.sleep(0.05)
    assert [orjson.loads(line)["status"] for line in stream.getvalue().splitlines()] == [
        200,
        304,
    ]

    request_logger()(route="/readyz", status=503)
    logging.getLogger("hotelreviews.api").warning("readiness check failed")
    events = [orjson.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert events[2:] == ["request", "readiness check failed"]  # in the order they happened


def test_request_lines_past_the_buffer_size_are_written_at_once() -> None:
    stream = configured(environment="production", request_log_flush_seconds=60)

    request_logger()(route="/livez", status=200)
    assert stream.getvalue() == ""
    request_logger()(route="/livez", status=200, padding="x" * 70_000)

    assert len(stream.getvalue().splitlines()) == 2


def test_a_replaced_request_log_stops_its_flusher_thread() -> None:
    before = set(threading.enumerate())
    configured(environment="production", request_log_flush_seconds=0.05)
    request_logger()(route="/livez", status=200)
    [flusher] = [t for t in set(threading.enumerate()) - before if t.name == "request-log-flusher"]

    replaced = configured(environment="production", request_log_flush_seconds=0.05)

    flusher.join(timeout=30)
    assert not flusher.is_alive()
    assert replaced.getvalue() == ""  # the old writer's line went to its own stream


@pytest.mark.parametrize("flush_seconds", [0, 60])
def test_a_request_entry_is_written_as_the_same_line_as_its_fields(flush_seconds: int) -> None:
    stream = configured(environment="production", request_log_flush_seconds=flush_seconds)
    # As observability.requests wrote them before `request` (a quote in the address, to be
    # escaped).
    request_logger()(
        method="GET",
        route="/api/v1/hotels/{hotel_id}",
        status=200,
        duration_ms=1.234,
        client='10.0.0.1"',
        identity="anonymous",
        trace_id=TRACE_ID,
    )
    request_logger().request(
        "GET", "/api/v1/hotels/{hotel_id}", 200, 0.0012341, '10.0.0.1"', "anonymous", TRACE_ID
    )
    logging.getLogger("hotelreviews.api").warning("after them")

    written = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in written] == ["request", "request", "after them"]
    first, second = written[:2]
    assert list(first) == list(second)  # the same keys, in the same order
    assert {k: v for k, v in first.items() if k != "timestamp"} == {
        k: v for k, v in second.items() if k != "timestamp"
    }
    assert datetime.fromisoformat(second["timestamp"]) >= datetime.fromisoformat(first["timestamp"])


def test_development_logs_are_a_readable_console_not_json() -> None:
    stream = configured(environment="development")

    request_logger()(route="/livez", status=200)
    logging.getLogger("hotelreviews.worker").info("worker w1 started: sources none")

    first, second = stream.getvalue().splitlines()
    assert not first.startswith("{")
    assert "request" in first and "route=/livez" in first and "status=200" in first
    assert "worker w1 started: sources none" in second and "hotelreviews.worker" in second
    assert "\x1b[" not in stream.getvalue()  # no colours when the stream is not a terminal


def test_the_log_level_setting_filters_our_lines() -> None:
    stream = configured(environment="production", log_level="WARNING")

    request_logger()(status=200)
    structlog.get_logger().info("not news either")
    logging.getLogger("hotelreviews.cache").info("not news")
    logging.getLogger("hotelreviews.cache").warning("news")

    assert [orjson.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["news"]


def test_lines_written_while_a_request_is_served_carry_its_trace_id() -> None:
    stream = configured(environment="production")

    token = current_trace_id.set(TRACE_ID)
    try:
        logging.getLogger("hotelreviews.api").warning("inside")
    finally:
        current_trace_id.reset(token)
    logging.getLogger("hotelreviews.api").warning("outside")

    inside, outside = (orjson.loads(line) for line in stream.getvalue().splitlines())
    assert inside["trace_id"] == TRACE_ID
    assert "trace_id" not in outside


@pytest.mark.parametrize("environment", ["production", "development"])
def test_secrets_and_review_text_are_masked(environment: str) -> None:
    stream = configured(environment=environment)
    values = {
        "password": "hunter2-password",
        "api_key": "hr_live_key_value",
        "authorization": "Bearer eyJ-token-value",
        "refresh_token": "opaque-refresh-value",
        "jwt_secret": "signing-secret-value",
        "cookie": "session=cookie-value",
        "database_url": "postgresql://app:db-password@db/reviews",
        "text": "the room smelled of fresh review text",
        "review_text": "another review's text",
    }

    log = structlog.get_logger("hotelreviews.test")
    log.info("login", user="alice", **values)
    log.info("nested", headers={"Authorization": "Bearer nested-token-value"})
    logging.getLogger("hotelreviews.test").info("%s", "stdlib", extra={"password": "xtra-pw"})

    output = stream.getvalue()
    assert "alice" in output and REDACTED in output
    for secret in [*values.values(), "nested-token-value", "xtra-pw"]:
        assert secret not in output


def test_console_tracebacks_show_no_local_variables() -> None:
    stream = configured(environment="development")

    def fails() -> None:
        password = "hunter2-in-a-local"  # noqa: F841 (a local a rich traceback would print)
        raise RuntimeError("boom")

    try:
        fails()
    except RuntimeError:
        logging.getLogger("hotelreviews.api").exception("unhandled error")

    output = stream.getvalue()
    assert "RuntimeError: boom" in output and "Traceback" in output
    # A plain traceback quotes the failing line only: no locals, no surrounding source.
    assert "hunter2-in-a-local" not in output


def test_configuring_again_replaces_only_our_own_handler() -> None:
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)
    configured(environment="production")
    second = configured(environment="production")

    logging.getLogger("hotelreviews.api").warning("once")

    ours = [h for h in logging.getLogger().handlers if h.get_name() == "hotelreviews"]
    assert len(ours) == 1 and foreign in logging.getLogger().handlers
    assert second.getvalue().count("once") == 1
