"""Every error as RFC 9457 problem+json, mapped in this one place.

Services raise domain exceptions (core.errors); FastAPI raises validation errors; Starlette
raises HTTP errors for unknown routes. Each becomes a problem with a stable `code`. Anything
else is a bug: it is logged with its traceback and the client gets a 500 without internals.

A validation problem lists at most `max_validation_errors` field errors and counts them all
(`error_count`): a body of 96,000 unknown keys must not earn a 7 MB answer. A body that is
not JSON at all (a syntax error, or bytes that are not UTF-8) is one answer, 422
`invalid_body`, whichever of the two FastAPI met. A 405 names every method of the path
(`Allow`), not only those of the first route that matched it.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotelreviews.core.connection_errors import is_connection_error, is_statement_timeout
from hotelreviews.core.errors import (
    DomainError,
    InvalidCursor,
    InvalidRequest,
    NotFound,
    QueryTimeout,
    TooManyExpensiveRequests,
    TryAgainLater,
    UnsupportedUploadType,
    UploadTooLarge,
)

logger = logging.getLogger("hotelreviews.api")

PROBLEM_JSON = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


class FieldError(BaseModel):
    field: str = Field(examples=["query.limit"])
    message: str = Field(examples=["Input should be less than or equal to 100"])


class Problem(BaseModel):
    """An RFC 9457 problem; `code` is stable, `title` and `detail` are for people."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "urn:hotelreviews:problem:hotel_not_found",
                "title": "Not found",
                "status": 404,
                "detail": "hotel 42 does not exist",
                "code": "hotel_not_found",
                "instance": "/api/v1/hotels/42",
            }
        }
    )

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None,
        description="The offending fields (validation problems only), at most the first 20 "
        "(HOTELREVIEWS_MAX_VALIDATION_ERRORS).",
    )
    error_count: int | None = Field(
        default=None,
        ge=0,
        description="How many field errors there were in all (validation problems only).",
    )


def problem_response(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    error_count: int | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:hotelreviews:problem:{code}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
        body["error_count"] = len(errors) if error_count is None else error_count
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


async def _validation_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    if any(error["type"] == "json_invalid" for error in found):
        return _invalid_body(request, "the body is not valid JSON")
    shown = found[: request.app.state.settings.max_validation_errors]
    errors = [{"field": _field(e["loc"]), "message": e["msg"]} for e in shown]
    fields = ", ".join(dict.fromkeys(error["field"] for error in errors))
    more = len(found) - len(shown)
    return problem_response(
        status=422,
        code="validation_failed",
        detail=f"invalid request parameters: {fields}"
        + (f" and {more} more errors" if more else ""),
        instance=request.url.path,
        errors=errors,
        error_count=len(found),
    )


def _invalid_body(request: Request, detail: str) -> Response:
    message = f"{detail}: send a JSON object in UTF-8 (Content-Type: application/json)"
    return problem_response(
        status=422,
        code="invalid_body",
        detail=message,
        instance=request.url.path,
        errors=[{"field": "body", "message": message}],
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, NotFound):
        return problem_response(
            status=404, code=exc.code, detail=exc.message, instance=request.url.path
        )
    if isinstance(exc, InvalidCursor):
        return problem_response(
            status=422,
            code=exc.code,
            detail=exc.message,
            instance=request.url.path,
            errors=[{"field": "query.cursor", "message": exc.message}],
        )
    if isinstance(exc, UploadTooLarge | UnsupportedUploadType):
        status = 413 if isinstance(exc, UploadTooLarge) else 415
        return problem_response(
            status=status, code=exc.code, detail=exc.message, instance=request.url.path
        )
    if isinstance(exc, TryAgainLater):
        # One client over its share is 429; the server (or the database) out of room is 503.
        status = 429 if isinstance(exc, TooManyExpensiveRequests) else 503
        return problem_response(
            status=status,
            code=exc.code,
            detail=exc.message,
            instance=request.url.path,
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )
    if isinstance(exc, InvalidRequest):
        return problem_response(
            status=422,
            code=exc.code,
            detail=exc.message,
            instance=request.url.path,
            errors=[{"field": exc.field, "message": exc.message}],
        )
    return problem_response(status=400, code=exc.code, detail=exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # FastAPI's "There was an error parsing the body": bytes json.loads cannot decode.
        return _invalid_body(request, "the body is not UTF-8 JSON")
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(
        status=exc.status_code,
        code=code,
        detail=detail,
        instance=request.url.path,
        headers=headers,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path (Starlette names the first route's only)."""
    path = request.scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= route.methods or set()
    return sorted(methods)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    if is_statement_timeout(exc):  # outside read_transaction, which raises QueryTimeout itself
        logger.warning("statement timeout on %s: %s", request.url.path, exc)
        timeout = request.app.state.settings.read_statement_timeout_seconds
        return await _domain_error(request, QueryTimeout(timeout))
    logger.warning("database unavailable on %s: %s", request.url.path, exc)
    return problem_response(
        status=503,
        code="database_unavailable",
        detail="the database is unavailable right now; try again shortly",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


# A write reaching a server that has become read-only (a primary being demoted) is as
# transient as a lost connection: the driver finds the new primary on the next connect.
_READ_ONLY_SQLSTATE = "25006"


async def _database_error(request: Request, exc: Exception) -> Response:
    """A driver error: 503 when the server went away or cannot take writes now (a primary
    lost or being replaced), else the error it is (500)."""
    orig = getattr(exc, "orig", None)
    if (
        is_connection_error(exc)
        or is_statement_timeout(exc)
        or getattr(orig, "sqlstate", None) == _READ_ONLY_SQLSTATE
    ):
        return await _database_unavailable(request, exc)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        status=500,
        code="internal_error",
        detail="an unexpected error occurred; it has been logged",
        instance=request.url.path,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_failed)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sa_exc.OperationalError, _database_unavailable)
    app.add_exception_handler(sa_exc.TimeoutError, _database_unavailable)
    app.add_exception_handler(sa_exc.DBAPIError, _database_error)
    app.add_exception_handler(ConnectionError, _database_unavailable)
    app.add_exception_handler(TimeoutError, _database_unavailable)  # connecting timed out
    app.add_exception_handler(Exception, _unexpected)


# For route decorators: documents the problems an endpoint can answer with.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Invalid parameters", "content": {PROBLEM_JSON: {}}},
    503: {
        "model": Problem,
        "description": "Try again after Retry-After: the query ran past its time "
        "(query_timeout), the server runs as many searches and totals as it may "
        "(expensive_requests_busy), or the database is unavailable (database_unavailable)",
        "content": {PROBLEM_JSON: {}},
    },
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    404: {"model": Problem, "description": "Unknown id", "content": {PROBLEM_JSON: {}}},
}
