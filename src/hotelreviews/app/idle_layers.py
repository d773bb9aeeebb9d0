"""FastAPI's own middlewares that can do nothing in this app, taken out of the built stack.

FastAPI puts two layers of its own around every app, right inside Starlette's error
handling: ExceptionTelemetryMiddleware, which hands unhandled errors to FastAPI's native
telemetry, and AppBodyLimitMiddleware, which enforces `FastAPI(max_body_size=...)`. Here
FastAPI's telemetry is off (ours is observability.requests) and body limits are ours
(protection.sizes; the app has no max_body_size and nothing puts FastAPI's body-limit key in
a scope), so both only pass each request on: two coroutine frames on every request, a
cache hit's included (~1.3 µs each, bench/layers.py). They are spliced out when, and only
when, that holds; with a FastAPI that no longer has them, nothing changes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

try:  # FastAPI internals: absent from other versions, in which case nothing is dropped.
    from fastapi._body_limit import AppBodyLimitMiddleware
    from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
except ImportError:  # pragma: no cover - depends on the FastAPI version installed
    IDLE: tuple[type, ...] = ()
else:
    IDLE = (ExceptionTelemetryMiddleware, AppBodyLimitMiddleware)


def drop_idle_fastapi_layers(app: FastAPI, *, fastapi_telemetry_off: bool) -> None:
    """Build the app's stack without FastAPI's layers that cannot act (call before any
    other wrapper of build_middleware_stack, so that it sees FastAPI's own stack)."""
    if not fastapi_telemetry_off or app.max_body_size is not None or not IDLE:
        return
    build_stack = app.build_middleware_stack

    def build_without_idle() -> ASGIApp:
        stack = build_stack()
        node: Any = stack
        while hasattr(node, "app") and not hasattr(node, "routes"):
            while isinstance(node.app, IDLE):
                # AppBodyLimitMiddleware without a limit wraps nothing: its app is the next.
                node.app = node.app.app
            node = node.app
        return stack

    app.build_middleware_stack = build_without_idle  # type: ignore[method-assign]
