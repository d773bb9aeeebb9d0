"""OpenTelemetry traces: on when an OTLP endpoint is configured, a no-op otherwise.

`configure_tracing(settings)` runs once per process (the API's app factory, the worker, the
ingest command). With an endpoint (HOTELREVIEWS_OTLP_ENDPOINT, or the standard
OTEL_EXPORTER_OTLP_ENDPOINT) it installs an SDK provider exporting over OTLP/HTTP in batches
and instruments redis-py and botocore; engines are instrumented as they are created
(`instrument_engine`, which tracing hands to core.database once it is on). Without one nothing
is installed and every hook here is a cheap `if`: the API's default provider is never
consulted on a hot path.

Tests install a provider of their own with `use_in_memory_tracing()`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from hotelreviews import __version__
from hotelreviews.core.database import on_engine_created
from hotelreviews.core.driver_reads import StatementHook, on_driver_statement
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
# New traces are sampled when the low 64 bits of their trace id are below this bound: the
# rule of TraceIdRatioBased, so that the request middleware can decide before any SDK span
# exists (a request not sampled then costs a few microseconds instead of tens).
_TRACE_ID_LOW_BITS = (1 << 64) - 1
_new_trace_bound = 1 << 64
# The trace id the next root span gets, when the middleware has chosen it (see ChosenTraceIds).
chosen_trace_id: ContextVar[int] = ContextVar("chosen_trace_id", default=0)


def samples_new_trace(trace_id: int) -> bool:
    """Whether a new trace with this id is sampled (the provider's sampler agrees)."""
    return (trace_id & _TRACE_ID_LOW_BITS) < _new_trace_bound


def _id_generator() -> Any:
    from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

    class ChosenTraceIds(RandomIdGenerator):
        """Random ids, but a root span started while `chosen_trace_id` is set gets that id:
        the middleware draws a request's trace id, decides sampling on it
        (samples_new_trace), and only then asks the SDK for a span — which must then carry
        the same id, or the sampler would decide again on another one."""

        def generate_trace_id(self) -> int:
            return chosen_trace_id.get() or super().generate_trace_id()

    return ChosenTraceIds()


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
    _install(provider, _bound_for(settings.trace_sample_ratio))
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
        id_generator=_id_generator(),
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


def unsampled_context() -> otel_context.Context:
    """A context in which the instrumentations (SQLAlchemy, Redis, botocore) make no spans:
    that of a request whose trace is not sampled (observability.requests)."""
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    with suppress_instrumentation():
        return otel_context.get_current()


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
        on_driver_statement(engine, _driver_statement_spans(engine))


def _driver_statement_spans(engine: AsyncEngine) -> StatementHook:
    """A client span per statement run through the driver (core.driver_reads), as
    EngineTracer makes one per statement SQLAlchemy runs (same name and attributes)."""
    from opentelemetry.instrumentation.utils import is_instrumentation_enabled
    from opentelemetry.trace import Status, StatusCode

    url = engine.url
    attributes = {
        "db.system": engine.dialect.name,
        "db.name": url.database,
        "db.user": url.username,
        "net.peer.name": url.host,
        "net.peer.port": url.port,
    }
    attributes = {key: value for key, value in attributes.items() if value is not None}

    def started(sql: str) -> Callable[[BaseException | None], None]:
        if _tracer is None or not is_instrumentation_enabled():
            return _no_span
        operation = f"{sql.split(maxsplit=1)[0]} {url.database}" if url.database else sql
        span = _tracer.start_span(
            operation,
            kind=trace.SpanKind.CLIENT,
            attributes={**attributes, "db.statement": sql, "db.operation": operation},
        )

        def finished(error: BaseException | None) -> None:
            if error is not None:
                span.set_status(Status(StatusCode.ERROR, str(error)))
            span.end()

        return finished

    return started


def _no_span(_error: BaseException | None) -> None:
    return None


@contextmanager
def span(name: str, attributes: Mapping[str, Any]) -> Iterator[trace.Span | None]:
    """An internal span around a block while tracing is on; nothing at all otherwise."""
    if _tracer is None:
        yield None
        return
    with _tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current


@contextmanager
def use_in_memory_tracing(
    settings: Settings | None = None, *, sample_ratio: float = 1.0
) -> Iterator[InMemorySpanExporter]:
    """Tracing on, sampled at the ratio (every trace by default), spans kept in memory, for
    the block (tests)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=_resource(settings or Settings(environment="test")),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
        id_generator=_id_generator(),
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    previous, previous_bound = _provider, _new_trace_bound
    _install(provider, _bound_for(sample_ratio))
    try:
        yield exporter
    finally:
        _uninstall()
        provider.shutdown()
        if previous is not None:
            _install(previous, previous_bound)


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


def _bound_for(sample_ratio: float) -> int:
    from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

    return TraceIdRatioBased.get_bound_for_rate(sample_ratio)


def _install(provider: TracerProvider, new_trace_bound: int) -> None:
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    global _provider, _tracer, _new_trace_bound
    _uninstall()
    _new_trace_bound = new_trace_bound
    _provider = provider
    _tracer = provider.get_tracer(TRACER_NAME, __version__)
    # Engines created from now on get a span per statement (instrument_engine is a cheap no-op
    # again once tracing is off).
    on_engine_created(instrument_engine)
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
