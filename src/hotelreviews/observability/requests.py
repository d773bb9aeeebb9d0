"""Per-request telemetry in one pure ASGI middleware, outside everything else in the app.

For every HTTP request, cache hits, refusals (413, 429…) and errors included:

1. a trace id: with tracing on, a SERVER span continuing the caller's W3C trace context
   (traceparent/tracestate); with it off, the caller's trace id if it sent a valid
   traceparent, else a fresh random one. It is returned as `X-Trace-Id`, stamped on every
   log line written while the request is served, and is the audit log's request id
   (`scope["state"]["request_id"]`, read by audit.context);
2. the HTTP histogram (observability.metrics) by route template, method and status class;
3. one log line: event "request" with the method, route template, status, duration, client
   address, identity and trace id. Never the raw path or query (ids and user input), never
   credentials.

It sits outside Starlette's ServerErrorMiddleware too (install_request_telemetry), so an
unhandled error's 500 carries X-Trace-Id and its logged traceback the trace id.

Minimal work per request: the cached hotel detail is served in tens of microseconds, and
this runs on all of it. Metric children are bound once per label set; routes are resolved
from the scope (FastAPI puts the matched route there) or, for requests answered before
routing, by matching the app's routes once per (method, path), bounded.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from random import getrandbits
from typing import Any

from fastapi.routing import RouteContext, iter_route_contexts
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotelreviews.core.settings import Settings
from hotelreviews.observability import tracing
from hotelreviews.observability.logging import current_trace_id, request_logger
from hotelreviews.observability.metrics import HTTP_REQUEST_DURATION

TRACE_ID_HEADER = "X-Trace-Id"
UNMATCHED = "unmatched"
_TRACE_ID_HEADER = TRACE_ID_HEADER.lower().encode()
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_CLASSES = {n: f"{n}xx" for n in range(1, 6)}
_PROPAGATION_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})
# W3C trace context: version-traceid-parentid-flags, lowercase hex (later versions may append).
_TRACEPARENT = re.compile(rb"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_ZERO_TRACE_ID = b"0" * 32
_ZERO_PARENT_ID = b"0" * 16
# Paths are user input: remember at most this many resolutions, of paths no longer than this.
_MAX_REMEMBERED_PATHS = 10_000
_MAX_REMEMBERED_PATH_LENGTH = 256

logger = logging.getLogger("hotelreviews.observability")


# Given a request's scope, its response's status and headers, the headers to send instead
# (a new list): what other layers add to every response (protection.response_headers).
ResponseHeadersHook = Callable[
    [Scope, int, Iterable[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]
]


def install_request_telemetry(
    app: Starlette, settings: Settings, *, response_headers: ResponseHeadersHook | None = None
) -> None:
    """Wrap the app's whole middleware stack, Starlette's error handling included, in the
    telemetry middleware (call after every add_middleware). `response_headers` runs in its
    `send` wrapper, before X-Trace-Id is added: one wrapper for every response's headers."""
    build_stack = app.build_middleware_stack

    def build_with_telemetry() -> ASGIApp:
        return RequestTelemetryMiddleware(
            build_stack(),
            routes=app.router.routes,
            metrics=settings.metrics_enabled,
            response_headers=response_headers,
        )

    # Starlette builds the stack on the first request; this is the one place that sees all.
    app.build_middleware_stack = build_with_telemetry  # type: ignore[method-assign]


class RequestTelemetryMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[BaseRoute],
        metrics: bool,
        response_headers: ResponseHeadersHook | None = None,
    ) -> None:
        self.app = app
        self._response_headers = response_headers
        self._routes = routes
        # Route templates: by the route routing put on the scope, and every route (full
        # path, prefixes included) for matching requests answered before routing. Built on
        # the first request, when every route is in place.
        self._template_of: dict[int, str] | None = None
        self._contexts: list[RouteContext] = []
        self._metrics = metrics
        self._tracer = tracing.tracer()
        self._unsampled = tracing.unsampled_context() if self._tracer is not None else None
        self._log = request_logger()
        self._templates: dict[tuple[str, str], str] = {}
        self._observers: dict[tuple[str, str, str], Callable[[float], None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        if method not in _METHODS:
            method = "other"
        span = span_context = None
        if self._tracer is None:
            trace_id = incoming_trace_id(scope["headers"]) or f"{getrandbits(128) or 1:032x}"
        else:
            span, trace_id, span_context = self._begin_trace(scope, method)
        header = (_TRACE_ID_HEADER, trace_id.encode())
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["request_id"] = trace_id
        status = 500  # what the client gets if the app fails before answering
        response_headers = self._response_headers

        async def send_with_trace_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                if response_headers is None:
                    headers = [*headers, header]
                else:
                    headers = response_headers(scope, status, headers)  # a new list
                    headers.append(header)
                # A new message: the one given may be reused (the response cache's).
                message = {**message, "headers": headers}
            await send(message)

        trace_id_token = current_trace_id.set(trace_id)
        failure: BaseException | None = None
        try:
            await self.app(scope, receive, send_with_trace_id)
        except BaseException as error:
            failure = error
            raise
        finally:
            current_trace_id.reset(trace_id_token)
            seconds = time.perf_counter() - started
            route = self._route_of(scope)
            if span is not None:
                _end_span(span, method, route, status, failure)
            if span_context is not None:
                otel_context.detach(span_context)
            if self._metrics:
                self._observe(route, method, status, seconds)
            self._log_request(scope, state, method, route, status, seconds, trace_id)

    def _begin_trace(
        self, scope: Scope, method: str
    ) -> tuple[trace.Span | None, str, otel_context.Token[otel_context.Context]]:
        """The request's span (None when not sampled), trace id, and the attached context."""
        if not _has_traceparent(scope["headers"]):
            # A new trace: decide sampling here, on the id it will have. Most requests are
            # not sampled: they run in a context that turns instrumentation off (no span at
            # all, here or in the database and Redis clients), which costs one contextvar
            # set instead of the SDK's ~15 µs way to the same answer.
            new_id = getrandbits(128) or 1  # all zeros is no trace id (W3C)
            if not tracing.samples_new_trace(new_id):
                return None, f"{new_id:032x}", otel_context.attach(self._unsampled)  # type: ignore[arg-type]
            chosen = tracing.chosen_trace_id.set(new_id)
            try:
                span = self._start_span(scope, method)
            finally:
                tracing.chosen_trace_id.reset(chosen)
        else:
            # The caller's decision stands (the SDK's ParentBased sampler follows it).
            span = self._start_span(scope, method)
        trace_id = f"{span.get_span_context().trace_id:032x}"
        return span, trace_id, otel_context.attach(trace.set_span_in_context(span))

    def _start_span(self, scope: Scope, method: str) -> trace.Span:
        assert self._tracer is not None
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _PROPAGATION_HEADERS
        }
        return self._tracer.start_span(
            # Renamed "<method> <route template>" once routing has found the route.
            method if method != "other" else "HTTP",
            context=propagate.extract(carrier) if carrier else None,
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method if method != "other" else "_OTHER",
                "url.scheme": scope["scheme"],
                # The path, never the query string (user input: search terms and more).
                "url.path": scope["path"],
            },
        )

    def _route_of(self, scope: Scope) -> str:
        if self._template_of is None:
            self._index_routes()
            assert self._template_of is not None
        route = scope.get("route")
        if route is not None:
            template = self._template_of.get(id(route))
            if template is not None:
                return template
        # Answered before routing (a cache hit, a refusal) or not routed at all (a 404).
        path = scope["path"]
        key = (scope["method"], path)
        template = self._templates.get(key)
        if template is None:
            template = self._match(scope)
            if len(path) <= _MAX_REMEMBERED_PATH_LENGTH:
                if len(self._templates) >= _MAX_REMEMBERED_PATHS:
                    self._templates.clear()
                self._templates[key] = template
        return template

    def _index_routes(self) -> None:
        # FastAPI keeps included routers nested: scope["route"] is the route as declared
        # (its path without the routers' prefixes); the contexts carry the full path.
        self._contexts = list(iter_route_contexts(self._routes))
        paths: dict[int, set[str]] = {}
        for context in self._contexts:
            paths.setdefault(id(context.original_route), set()).add(context.path_format)
        # A route included under two prefixes is ambiguous by identity: matched instead.
        self._template_of = {key: next(iter(p)) for key, p in paths.items() if len(p) == 1}

    def _match(self, scope: Scope) -> str:
        partial = None
        for context in self._contexts:
            match, _ = context.matches(scope)
            if match is Match.FULL:
                return context.path_format
            if match is Match.PARTIAL and partial is None:
                partial = context.path_format  # a known path, not this method (405)
        return partial or UNMATCHED

    def _observe(self, route: str, method: str, status: int, seconds: float) -> None:
        status_class = _STATUS_CLASSES.get(status // 100, "5xx")
        key = (route, method, status_class)
        observe = self._observers.get(key)
        if observe is None:
            # Label sets are bounded: route templates x methods x status classes.
            observe = HTTP_REQUEST_DURATION.labels(route, method, status_class).observe
            self._observers[key] = observe
        observe(seconds)

    def _log_request(
        self,
        scope: Scope,
        state: dict[str, Any],
        method: str,
        route: str,
        status: int,
        seconds: float,
        trace_id: str,
    ) -> None:
        if not self._log.enabled:  # below the configured level: nothing to gather
            return
        client = scope.get("client")
        # Resolved by security.authn for requests that got that far (not a 429 in front).
        identity = state.get("identity")
        try:
            self._log.request(
                method,
                route,
                status,
                seconds,
                None if client is None else client[0],
                None if identity is None else identity.key,
                trace_id,
            )
        except Exception:  # a broken log stream must not fail the request
            logger.exception("could not write the request log line")


def incoming_trace_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The trace id of a valid W3C traceparent header, if the request has one."""
    for name, value in headers:
        if name == b"traceparent":
            match = _TRACEPARENT.fullmatch(value.strip())
            if (
                match is None
                or match[1] == b"ff"
                or (match[1] == b"00" and match[5] is not None)
                or match[2] == _ZERO_TRACE_ID
                or match[3] == _ZERO_PARENT_ID
            ):
                return None
            return match[2].decode()
    return None


def _has_traceparent(headers: list[tuple[bytes, bytes]]) -> bool:
    # A loop, not any() over a generator: a third of the time, on every request.
    for name, _ in headers:  # noqa: SIM110
        if name == b"traceparent":
            return True
    return False


def _end_span(
    span: trace.Span, method: str, route: str, status: int, failure: BaseException | None
) -> None:
    if route != UNMATCHED:
        span.update_name(f"{method if method != 'other' else 'HTTP'} {route}")
        span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if failure is not None:
        span.record_exception(failure)
    if status >= 500 or failure is not None:
        span.set_status(StatusCode.ERROR)
    span.end()
