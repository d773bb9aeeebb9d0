"""A lighter way into the hottest read routes, for requests of the plain shape they mostly get.

FastAPI checks each request's parameters by walking the route's dependency tree and
re-examining every declared parameter's type (per request, in the version we use): for a
hotel's review page, 15 parameters in five dependencies, about a third of the CPU a cache
miss costs in process. A route may instead declare a fast path (`@fast_path(parse)` under the
router's decorator): `parse(request)` returns the endpoint's keyword arguments when the
request has a shape it knows — only parameters it reads, each in the one spelling it
accepts (`limit=20`, not `limit=020` or `limit= 20`) — and None otherwise, so that anything
unusual (another parameter, a value to refuse with a 422, a consistency token) goes through
FastAPI's full handling as before. What the parser accepts it must parse exactly as FastAPI
would: tests/integration/test_fast_path.py sends the same requests with and without it.

The route's own dependencies — the access policy and the refusal of undeclared parameters
that the app factory gives every route, an expensive-request slot — still run, in their order,
before the endpoint: each takes the request alone, a coroutine function is awaited and an
async generator function held around the endpoint. A route with any other kind of dependency
gets no fast path. The route class (api.responses.CacheableRoute) takes the fast path;
`app.state.fast_paths = False` turns every one off (the tests' comparison), and so do
dependency overrides (FastAPI applies them, the fast path would not).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import fastapi.routing
from fastapi import Request, Response
from fastapi.params import Depends
from fastapi.routing import APIRoute

Parser = Callable[[Request], dict[str, Any] | None]
Handler = Callable[[Request], Awaitable[Response]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_FAST_PATH = "__hotelreviews_fast_path__"


def fast_path(parse: Parser) -> Callable[[Endpoint], Endpoint]:
    """Declare the endpoint's fast path (apply below `@router.get(...)`)."""

    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _FAST_PATH, parse)
        return endpoint

    return declare


def declared_fast_path(endpoint: Callable[..., Any]) -> Parser | None:
    return getattr(endpoint, _FAST_PATH, None)


def with_fast_path(route: APIRoute, full: Handler) -> Handler:
    """The route's handler: its fast path when declared and the request fits it, else `full`
    (FastAPI's). Called where FastAPI builds the route's handler (`get_route_handler`)."""
    endpoint = route.endpoint
    parse = declared_fast_path(endpoint)
    dependencies = _dependencies(route)
    if parse is None or dependencies is None:
        return full
    steps = [_step(dependency.dependency) for dependency in dependencies]
    if any(step is None for step in steps):
        return full
    awaited = [call for kind, call in steps if kind == "await"]  # type: ignore[misc]
    held = [call for kind, call in steps if kind == "hold"]  # type: ignore[misc]
    if [kind for kind, _ in steps] != ["await"] * len(awaited) + ["hold"] * len(held):  # type: ignore[misc]
        return full  # a slot taken before a check: only FastAPI keeps that order

    async def handler(request: Request) -> Response:
        arguments = parse(request) if _enabled(request) else None
        if arguments is None:
            return await full(request)
        for check in awaited:
            await check(request)
        if not held:
            return await endpoint(**arguments)
        async with AsyncExitStack() as stack:
            for hold in held:
                await stack.enter_async_context(hold(request))
            return await endpoint(**arguments)

    return handler


def _dependencies(route: APIRoute) -> list[Depends] | None:
    """The route's dependencies as the app includes it: the including routers' (the policy
    and the parameter check of app.factory) and then its own. FastAPI builds an included
    route's handler with that route context in a context variable of its routing module;
    None (no fast path) should a version of FastAPI not say so any more."""
    context_variable = getattr(fastapi.routing, "_effective_route_context_var", None)
    if context_variable is None:
        return None
    context = context_variable.get()
    if context is None or getattr(context, "original_route", None) is not route:
        return list(route.dependencies)  # the route as declared, not (yet) included
    return list(context.dependencies)


def _step(call: Callable[..., Any] | None) -> tuple[str, Callable[..., Any]] | None:
    """How the fast path runs a dependency taking only the request: awaited, or held around
    the endpoint (an async generator); None for any other."""
    if call is None:
        return None
    parameters = list(inspect.signature(call).parameters.values())
    if len(parameters) != 1 or typing.get_type_hints(call).get(parameters[0].name) is not Request:
        return None
    if inspect.isasyncgenfunction(call):
        return "hold", asynccontextmanager(call)
    if inspect.iscoroutinefunction(call):
        return "await", call
    return None


def _enabled(request: Request) -> bool:
    app = request.app
    return getattr(app.state, "fast_paths", True) and not app.dependency_overrides


def query_of(request: Request, known: frozenset[str]) -> dict[str, str] | None:
    """The query parameters when each is one of `known` and given once (else None)."""
    items = request.query_params.multi_items()
    query = dict(items)
    if len(query) != len(items) or not query.keys() <= known:
        return None
    return query


def whole_number(text: str | None, *, high: int) -> int | None:
    """A number from 1 to `high` written plainly (digits, no sign, no leading zero); else None."""
    if text is None or not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    if text[0] == "0":
        return None
    number = int(text)
    return number if number <= high else None
