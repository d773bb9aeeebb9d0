"""FastAPI's layers that can do nothing here are out of the built stack (app/idle_layers.py);
everything else the factory adds is still there, and errors still become 500s."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from hotelreviews.app.factory import create_app
from hotelreviews.app.idle_layers import IDLE, drop_idle_fastapi_layers
from hotelreviews.core.settings import Settings


def _layers(stack: Any) -> list[str]:
    names = []
    while hasattr(stack, "app") and not hasattr(stack, "routes"):
        names.append(type(stack).__name__)
        stack = stack.app
    return names


def test_the_factory_s_stack_has_every_layer_of_ours_and_none_of_fastapi_s_idle_ones(
    tmp_path: Any,
) -> None:
    app = create_app(Settings(environment="test", data_dir=tmp_path))

    layers = _layers(app.build_middleware_stack())

    assert IDLE, "FastAPI's idle layers are expected in the installed version"
    assert not {cls.__name__ for cls in IDLE} & set(layers)
    for kept in (
        "RequestTelemetryMiddleware",  # with protection's response headers (its hook)
        "ServerErrorMiddleware",
        "EdgeMiddleware",  # client address, host names, size and rate limits, identity
        "ResponseCacheMiddleware",
        "AuditContextMiddleware",
        "ExceptionMiddleware",
    ):
        assert kept in layers


def test_the_layers_stay_when_they_can_act() -> None:
    with_limit = FastAPI(max_body_size=1000)
    drop_idle_fastapi_layers(with_limit, fastapi_telemetry_off=True)
    with_telemetry = FastAPI()
    drop_idle_fastapi_layers(with_telemetry, fastapi_telemetry_off=False)

    for app in (with_limit, with_telemetry):
        layers = _layers(app.build_middleware_stack())
        assert "ExceptionTelemetryMiddleware" in layers
        assert "AppBodyLimitMiddleware" in layers


async def test_an_unhandled_error_is_still_a_500_without_them() -> None:
    app = FastAPI()
    drop_idle_fastapi_layers(app, fastapi_telemetry_off=True)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert "AppBodyLimitMiddleware" not in _layers(app.middleware_stack)
