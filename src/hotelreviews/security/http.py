"""The API side of security: the policy check every route runs, and 401/403/429 problems."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.problem_details import problem_response
from hotelreviews.audit import service as audit
from hotelreviews.security import logins
from hotelreviews.security.authn import resolve_identity
from hotelreviews.security.errors import (
    AuthenticationRequired,
    AuthError,
    CredentialsUnverifiable,
    Forbidden,
    LoginLocked,
)
from hotelreviews.security.identity import Identity
from hotelreviews.security.policies import POLICIES, Policy, allows
from hotelreviews.security.schemas import LoginRequest
from hotelreviews.security.service import TokenPair

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def log_in(request: Request, engine: AsyncEngine, body: LoginRequest) -> TokenPair:
    """The login use case for an HTTP request (the API's and the web session's): failures
    count per name and the client's address (protection.addresses: through trusted proxies)."""
    return await logins.login(
        engine=engine,
        settings=request.app.state.settings,
        keys=request.app.state.signing_keys,
        username=body.username,
        password=body.password,
        client_address=request.client.host if request.client else None,
    )


async def enforce_policy(request: Request) -> Identity:
    """Run on every API route (app.factory adds it to the routers): the route's declared policy
    against the request's identity. A route missing from the table is refused (fail closed)."""
    policy = request.app.state.route_policies.get(request.scope["route"].name)
    if policy is None:
        raise Forbidden("this route declares no access policy")
    identity, error = await resolve_identity(request.scope)
    if policy.public:
        return identity
    if error is not None:
        raise error
    if not allows(
        policy,
        identity.roles,
        authenticated=identity.authenticated,
        anonymous_reads=request.app.state.settings.anonymous_reads,
    ):
        if not identity.authenticated:
            raise AuthenticationRequired("sign in or send an API key to use this route")
        if request.method not in _READ_METHODS:
            # A refused write is worth an audit event (a refused read is routine).
            await audit.record_alone(
                request.app.state.router.primary.engine,
                action="access.denied",
                outcome="denied",
                target_kind="route",
                target_id=f"{request.method} {request.url.path}",
                details={"policy": policy.name},
            )
        raise Forbidden(f"this route {policy.name}")
    return identity


# The caller, as the route's policy admitted it (FastAPI runs enforce_policy once per request).
CurrentIdentity = Annotated[Identity, Depends(enforce_policy)]


def app_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, full path template, route name) of every route the app serves."""
    found = []
    for route in iter_route_contexts(app.routes):
        if route.path is not None and route.name is not None:
            found += [(method, route.path, route.name) for method in sorted(route.methods or ())]
    return [(method, path, name) for method, path, name in found if method != "HEAD"]


def bind_policies(app: FastAPI) -> None:
    """Give every route its policy from the table, by route name (what the request's scope
    names); refuse to build an app with a route the table does not cover."""
    by_name: dict[str, Policy] = {}
    missing = []
    for method, path, name in app_routes(app):
        policy = POLICIES.get(f"{method} {path}")
        if policy is None:
            missing.append(f"{method} {path}")
        elif by_name.setdefault(name, policy) is not policy:
            raise RuntimeError(f"route name {name} is used by routes of different policies")
    if missing:
        raise RuntimeError(f"routes without a policy in security.policies: {missing}")
    # Plain Starlette routes (the docs, the OpenAPI schema) run no dependencies: nothing could
    # enforce anything but a public policy on them.
    for route in iter_route_contexts(app.routes):
        unenforced = not isinstance(route.original_route, APIRoute)
        if unenforced and route.name in by_name and not by_name[route.name].public:
            raise RuntimeError(f"{route.path} cannot enforce a policy other than public")
    app.state.route_policies = by_name


async def _auth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthError)
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="hotelreviews"'
    if isinstance(exc, LoginLocked | CredentialsUnverifiable):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    return problem_response(
        status=exc.status,
        code=exc.code,
        detail=exc.message,
        instance=request.url.path,
        headers=headers,
        title=exc.title,
    )


def install_auth_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AuthError, _auth_error)
