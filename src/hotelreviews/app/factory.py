"""The composition root of the HTTP API: `create_app(settings)` wires engine, migrations, every
domain's routes, the guards and problem handlers. The one module that imports every domain."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews import __version__
from hotelreviews.api.parameters import refuse_undeclared_parameters
from hotelreviews.api.problem_details import PROBLEM_JSON, install_problem_handlers
from hotelreviews.api.responses import public_cache_control
from hotelreviews.app import health_routes, metrics_route
from hotelreviews.app.edge import install_edge
from hotelreviews.app.guard_responses import add_guard_responses
from hotelreviews.app.idle_layers import drop_idle_fastapi_layers
from hotelreviews.app.intelligence import intelligence_in_server
from hotelreviews.audit.context import AuditContextMiddleware
from hotelreviews.audit.routes import router as audit_router
from hotelreviews.cache.middleware import ResponseCacheMiddleware
from hotelreviews.cache.runtime import ResponseCache
from hotelreviews.core import heap, migrations
from hotelreviews.core.settings import Settings, get_settings
from hotelreviews.dr.rds.writer_follow import following_writer, settings_at_start
from hotelreviews.events.hub import EventHub
from hotelreviews.events.routes import router as events_router
from hotelreviews.hotels.routes import router as hotels_router
from hotelreviews.ingestion.queue.upload_location import check_upload_location
from hotelreviews.ingestion.runs.routes import router as ingestions_router
from hotelreviews.ingestion.uploads.routes import router as uploads_router
from hotelreviews.intelligence.alerts.routes import router as alerts_router
from hotelreviews.intelligence.recommend.routes import router as recommend_router
from hotelreviews.intelligence.samples.routes import router as aspect_samples_router
from hotelreviews.intelligence.standing.routes import router as reputation_router
from hotelreviews.intelligence.standing.routes import uncached as competitive_set_router
from hotelreviews.observability import exposition
from hotelreviews.observability.logging import configure_logging, flush_request_lines
from hotelreviews.observability.requests import install_request_telemetry
from hotelreviews.observability.tracing import configure_tracing
from hotelreviews.protection.rules import EXEMPT_PATHS as RATE_EXEMPT_PATHS
from hotelreviews.protection.wiring import install_protection, size_limits
from hotelreviews.providers.routes import router as providers_router
from hotelreviews.reviews.routes import hotel_reviews_router
from hotelreviews.reviews.routes import router as reviews_router
from hotelreviews.routing import DatabaseRouter
from hotelreviews.search.routes import router as search_router
from hotelreviews.security.errors import SecretMissing
from hotelreviews.security.gate import require_policy_first
from hotelreviews.security.http import bind_policies, enforce_policy, install_auth_handlers
from hotelreviews.security.routes import router as auth_router
from hotelreviews.security.signing import load_signing_keys
from hotelreviews.security.token_versions import TokenVersions
from hotelreviews.security.web_session import router as web_session_router
from hotelreviews.web.pages import install_pages

logger = logging.getLogger("hotelreviews.api")
API_PREFIX = "/api/v1"
# Request telemetry is ours (observability.requests). FastAPI's own, on as soon as a global
# tracer provider exists, would add a second server span to every request.
FASTAPI_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application; its lifespan opens the databases (the primary and its replicas) and
    checks (or, embedded, migrates) the primary.
    """
    settings = settings or get_settings()
    check_upload_location(settings)  # a bucket the worker cannot read: refused at start
    # Here, not in `serve`: uvicorn's workers are fresh processes that only run this factory.
    configure_logging(settings)
    configure_tracing(settings)
    cache = ResponseCache(settings, prefix=API_PREFIX) if settings.cache_enabled else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            # Before the databases: a production deployment without its secret must not start.
            app.state.signing_keys = load_signing_keys(settings)
        except SecretMissing as exc:
            logger.error("refusing to start: %s", exc)
            raise
        # A process (re)started after `dr rds promote` opens the writer the store names.
        live = await settings_at_start(settings)
        router = DatabaseRouter.from_settings(live)
        try:
            if settings.is_embedded:
                # The embedded database is ours to look after. Alembic's env.py runs its own
                # event loop, so it runs in a thread.
                await asyncio.to_thread(migrations.upgrade, settings)
            else:
                try:
                    await migrations.ensure_schema_current(router.primary.engine, settings)
                except migrations.SchemaOutdated as exc:
                    logger.error("refusing to start: %s", exc)
                    raise
            # The primary's engine is always read from the router: `dr rds promote` can move
            # the writer while the process runs (dr.rds.writer_follow).
            app.state.router = router

            def primary_engine() -> AsyncEngine:
                return router.primary.engine

            async with (
                router.monitoring(),
                following_writer(router, live),
                cache.running(primary_engine) if cache is not None else contextlib.nullcontext(),
                app.state.token_versions.running(),
                app.state.event_hub.running(primary_engine),
                # Last in, first out: stopped before the hub, cache and router it writes to.
                intelligence_in_server(settings) as runner,
            ):
                app.state.intelligence = runner  # its stats, for operators and tests
                heap.settle()
                yield
        finally:
            await router.dispose()
            exposition.process_exited()
            flush_request_lines()

    app = FastAPI(
        title="Hotel reviews API",
        version=__version__,
        description="Hotels, their reviews from many providers, summaries and full-text search.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        telemetry=FASTAPI_TELEMETRY,
    )
    # First, before the wrappers below: they wrap the stack FastAPI builds.
    drop_idle_fastapi_layers(app, fastapi_telemetry_off=not any(FASTAPI_TELEMETRY.values()))
    app.state.settings = settings
    app.state.head_revision = migrations.head_revision(settings)
    # Sent on the cacheable routes' 200s (api.responses.CacheableRoute), cache on or off.
    app.state.cache_control = public_cache_control(settings.cache_max_age_seconds)
    app.state.cache = cache  # its counters and versions, for operators and tests
    # Users' current token versions: revoked access tokens are refused (security.authn).
    app.state.token_versions = TokenVersions(settings)
    # One reader of the event outbox for every stream this process serves (events.hub).
    app.state.event_hub = EventHub(settings)
    # Innermost: audit events recorded while a request is served name its identity and its
    # client address (both on the scope, filled in by the middlewares outside).
    app.add_middleware(AuditContextMiddleware)
    if cache is not None:
        # Outside routing: a hit costs no routing, validation, database or JSON work.
        app.add_middleware(ResponseCacheMiddleware, **cache.middleware_options())
    protection = install_protection(app, settings, api_prefix=API_PREFIX)
    # Outside the cache, in one layer: client address, host names, size and rate limits, then
    # request.state.identity (security.authn) for everything inside; code outside it calls
    # `await resolve_identity(scope)` (resolved once).
    install_edge(app, protection, settings)
    # Outside everything, Starlette's error handling included: every request (cache hits,
    # refusals, 500s) gets a trace id, its HTTP metric and its one log line, and every
    # response protection's headers (security headers, relative redirects).
    install_request_telemetry(app, settings, response_headers=protection.response_headers)
    install_problem_handlers(app)
    install_auth_handlers(app)
    # The policy first (who may ask), then the query's names (what was asked: api.parameters).
    policy = [Depends(enforce_policy), Depends(refuse_undeclared_parameters)]
    install_pages(app, settings)  # the Explorer at `/` and its assets (hotelreviews.web)
    # The pages' sign-in: the refresh token in an HttpOnly cookie (security.web_session).
    app.include_router(web_session_router, dependencies=policy)
    app.include_router(health_routes.router, dependencies=policy)
    if settings.metrics_enabled:
        app.include_router(metrics_route.router, dependencies=policy)
        exposition.set_build_info(settings)
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(hotels_router)
    api.include_router(hotel_reviews_router)  # /hotels/{hotel_id}/reviews
    api.include_router(search_router)  # before reviews: /reviews/search is not a review id
    api.include_router(reviews_router)
    api.include_router(providers_router)
    api.include_router(uploads_router)
    api.include_router(ingestions_router)
    api.include_router(auth_router)
    api.include_router(audit_router)
    api.include_router(alerts_router)
    api.include_router(reputation_router)  # /hotels/{hotel_id}/reputation
    api.include_router(competitive_set_router)  # /hotels/{hotel_id}/competitive-set
    api.include_router(aspect_samples_router)  # /hotels/{hotel_id}/aspect-samples
    api.include_router(recommend_router)  # /hotels/{hotel_id}/similar, /recommendations
    api.include_router(events_router)
    app.include_router(api, dependencies=policy)
    bind_policies(app)  # refuses a route without a policy
    require_policy_first(app)  # 401/403 before a body is read, whatever it holds
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _operation_id(route: APIRoute) -> str:
    return route.name


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, with problem responses under application/problem+json."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if (
                        status[0] in "45"
                        and PROBLEM_JSON in content
                        and "application/json" in content
                    ):
                        content[PROBLEM_JSON] = content.pop("application/json")
        add_guard_responses(
            schema,
            policies=app.state.route_policies,
            rate_exempt_paths=RATE_EXEMPT_PATHS,
            problem_media_type=PROBLEM_JSON,
            size_limits=size_limits(app.state.settings, api_prefix=API_PREFIX),
        )
        app.openapi_schema = schema
    return app.openapi_schema
