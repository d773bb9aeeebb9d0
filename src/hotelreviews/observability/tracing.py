"""OpenTelemetry traces: on when an OTLP endpoint is configured, a no-op otherwise.

`configure_tracing(settings)` runs once per process (the API's app factory, the worker, the
ingest command). With an endpoint (HOTELREVIEWS_OTLP_ENDPOINT, or the standard
OTEL_EXPORTER_OTLP_ENDPOINT) it installs an SDK provider exporting over OTLP/HTTP in batches
and instruments redis-py and botocore; engines are instrumented as they are created
(`instrument_engine`, called by core.database). Without one nothing is installed and every
hook here is a cheap `if`: the API's default provider is never consulted on a hot path.

Tests install a provider of their own with `use_in_memory_tracing()`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import trace

from hotelreviews import __version__
from hotelreviews.core.settings import Settings

# The SDK, the exporter and the instrumentations are imported only when tracing is turned on:
# together they cost a CLI command or a worker process almost half a second to import.
if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from sqlalchemy.ext.asyncio import AsyncEngine

TRACER_NAME = "hotelreviews"
_TRACES_PATH = "/v1/traces"

# The SDK provider while tracing is on (None: off). Kept here rather than only as the API's
# global provider, which can be set once per process: tests swap in-memory providers.
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None


def configure_tracing(settings: Settings) -> bool:
    """Turn tracing on if an OTLP endpoint is configured (once per process); True when on."""
    if _provider is not None:
        return True
    endpoint = otlp_traces_endpoint(settings)
    if endpoint is None:
        return False
    provider = otlp_provider(settings, endpoint)
    # Libraries that ask the API for the global provider (not through us) get the same one.
    trace.set_tracer_provider(provider)
    _install(provider)
    return True


def otlp_provider(settings: Settings, endpoint: str) -> TracerProvider:
    """An SDK provider sampling at the configured ratio (a caller's decision is followed) and
    exporting to `endpoint` in batches, off the request path."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    provider = TracerProvider(
        resource=_resource(settings),
        sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio)),
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def otlp_traces_endpoint(settings: Settings) -> str | None:
    """The OTLP/HTTP URL spans go to: the setting or OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.

    Like the standard variable, the setting is the collector's base URL (http://host:4318);
    /v1/traces is added unless it is already there.
    """
    traces = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if settings.otlp_endpoint is None and traces:
        return traces  # the signal-specific variable is the full URL, as given
    base = settings.otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not base:
        return None
    base = base.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH


def tracer() -> trace.Tracer | None:
    """Our tracer while tracing is on, else None (callers then skip spans entirely)."""
    return _tracer


def instrument_engine(engine: AsyncEngine) -> None:
    """Trace the engine's statements (statement text with placeholders, never parameters)."""
    if _tracer is not None:
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.metrics import NoOpMeter

        # It wants a counter for pool usage too; pools are our metrics' job (a no-op here).
        unused = NoOpMeter(TRACER_NAME).create_up_down_counter("unused")
        EngineTracer(_tracer, engine.sync_engine, unused)


@contextmanager
def span(name: str, attributes: Mapping[str, Any]) -> Iterator[trace.Span | None]:
    """An internal span around a block while tracing is on; nothing at all otherwise."""
    if _tracer is None:
        yield None
        return
    with _tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current


@contextmanager
def use_in_memory_tracing(settings: Settings | None = None) -> Iterator[InMemorySpanExporter]:
    """Tracing on, every span sampled and kept in memory, for the block (tests)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=_resource(settings or Settings(environment="test")))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    previous = _provider
    _install(provider)
    try:
        yield exporter
    finally:
        _uninstall()
        provider.shutdown()
        if previous is not None:
            _install(previous)


def _resource(settings: Settings) -> Resource:
    from opentelemetry.sdk.resources import (
        CLOUD_REGION,
        DEPLOYMENT_ENVIRONMENT,
        SERVICE_NAME,
        SERVICE_VERSION,
        Resource,
    )

    return Resource.create(
        {
            SERVICE_NAME: settings.service_name,
            SERVICE_VERSION: __version__,
            DEPLOYMENT_ENVIRONMENT: settings.environment,
            CLOUD_REGION: settings.region,
        }
    )


def _install(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    global _provider, _tracer
    _uninstall()
    _provider = provider
    _tracer = provider.get_tracer(TRACER_NAME, __version__)
    # Both patch the client classes: clients made before this are traced too.
    RedisInstrumentor().instrument(tracer_provider=provider)
    BotocoreInstrumentor().instrument(tracer_provider=provider)


def _uninstall() -> None:
    global _provider, _tracer
    if _provider is None:
        return
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    RedisInstrumentor().uninstrument()
    BotocoreInstrumentor().uninstrument()
    # Engines instrumented under the old provider stop producing spans.
    EngineTracer.remove_all_event_listeners()
    _provider = _tracer = None
