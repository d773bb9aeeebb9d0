"""W3C traceparent headers: a caller's trace id is taken only from a valid one. Where spans
are exported: the setting or OpenTelemetry's standard variables."""

from __future__ import annotations

import pytest

from hotelreviews.core.settings import Settings
from hotelreviews.observability.requests import incoming_trace_id
from hotelreviews.observability.tracing import otlp_traces_endpoint

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def headers(traceparent: str) -> list[tuple[bytes, bytes]]:
    return [(b"accept", b"*/*"), (b"traceparent", traceparent.encode())]


@pytest.mark.parametrize(
    "traceparent",
    [
        f"00-{TRACE_ID}-00f067aa0ba902b7-01",
        f"00-{TRACE_ID}-00f067aa0ba902b7-00",  # not sampled upstream: still the same trace
        f"01-{TRACE_ID}-00f067aa0ba902b7-01-future-fields",  # a later version may append
    ],
)
def test_a_valid_traceparent_gives_its_trace_id(traceparent: str) -> None:
    assert incoming_trace_id(headers(traceparent)) == TRACE_ID


@pytest.mark.parametrize(
    "traceparent",
    [
        "",
        "garbage",
        f"00-{TRACE_ID.upper()}-00f067aa0ba902b7-01",  # hex must be lowercase
        f"00-{'0' * 32}-00f067aa0ba902b7-01",  # the all-zero trace id is invalid
        f"00-{TRACE_ID}-{'0' * 16}-01",  # so is the all-zero parent id
        f"ff-{TRACE_ID}-00f067aa0ba902b7-01",  # version ff is forbidden
        f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra",  # version 00 has exactly four fields
        f"00-{TRACE_ID[:-1]}-00f067aa0ba902b7-01",
    ],
)
def test_an_invalid_traceparent_is_ignored(traceparent: str) -> None:
    assert incoming_trace_id(headers(traceparent)) is None


def test_no_traceparent_no_trace_id() -> None:
    assert incoming_trace_id([(b"accept", b"*/*")]) is None


@pytest.mark.parametrize(
    ("setting", "environment", "expected"),
    [
        (None, {}, None),  # nothing configured: tracing stays off
        ("http://collector:4318", {}, "http://collector:4318/v1/traces"),
        ("http://collector:4318/", {}, "http://collector:4318/v1/traces"),
        ("http://collector:4318/v1/traces", {}, "http://collector:4318/v1/traces"),
        (None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}, "http://otel:4318/v1/traces"),
        (
            None,
            {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://otel:4318/custom"},
            "http://otel:4318/custom",  # the signal's own variable is a full URL
        ),
        (
            "http://collector:4318",
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"},
            "http://collector:4318/v1/traces",  # the setting wins
        ),
    ],
)
def test_the_otlp_endpoint_comes_from_the_setting_or_the_standard_variables(
    setting: str | None,
    environment: dict[str, str],
    expected: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    settings = Settings(environment="test", otlp_endpoint=setting)

    assert otlp_traces_endpoint(settings) == expected
