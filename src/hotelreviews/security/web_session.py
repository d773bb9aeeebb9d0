"""The web pages' sessions: the API's login, refresh and logout with the refresh token in a
cookie the pages' scripts cannot read (docs/web.md, "Login").

A page keeps the access token in memory only; what survives a reload is the refresh token, in
an `HttpOnly; Secure; SameSite=Strict` cookie scoped to these routes (`Path=/web/session`):
no script reads it, no other route receives it, no other site's page makes the browser send
it. The routes answer with the access token alone.

Cross-site requests are refused twice over (CSRF): SameSite=Strict keeps the cookie off them,
and every route requires the `X-Requested-With` header, which a form cannot send and a
cross-origin script can only send after a CORS preflight this app does not grant; an `Origin`
header naming another origin is refused as well. The same login service, lockout and rate
limit as `POST /api/v1/auth/login` (protection.rules) apply.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from hotelreviews.api.deps import Db
from hotelreviews.api.problem_details import problem_response
from hotelreviews.api.responses import json_response
from hotelreviews.protection.rules import WEB_LOGIN_PATH
from hotelreviews.security import service
from hotelreviews.security.errors import CrossSiteRequest, InvalidToken
from hotelreviews.security.http import log_in
from hotelreviews.security.schemas import LoginRequest

# The protection layer rate-limits and size-limits this path as the API's login.
SESSION_PATH = WEB_LOGIN_PATH
COOKIE = "hr_session"
# What the pages' scripts send (static/session.js); any value will do, its presence counts.
REQUIRED_HEADER = "x-requested-with"
# The longest refresh token the API takes (schemas.RefreshRequest): a longer cookie is none.
MAX_TOKEN_CHARS = 200


def refuse_cross_site(request: Request) -> None:
    """CrossSiteRequest unless the request carries the pages' header and, when it names one,
    comes from this app's own origin."""
    if REQUIRED_HEADER not in request.headers:
        raise CrossSiteRequest(f"send the {REQUIRED_HEADER} header (the web pages do)")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != own:
        raise CrossSiteRequest("a request from another origin")


class SameSiteRoute(APIRoute):
    """Refuses a cross-site request before its body is read: a form's post is a 403, not a
    422 about its encoding (as security.gate does for policies)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def same_site_first(request: Request) -> Response:
            # A CrossSiteRequest raised here is answered by the app's handler (security.http).
            refuse_cross_site(request)
            return await handler(request)

        return same_site_first


router = APIRouter(
    prefix=SESSION_PATH, tags=["web"], include_in_schema=False, route_class=SameSiteRoute
)


def _set_cookie(response: Response, request: Request, refresh_token: str) -> None:
    response.set_cookie(
        COOKIE,
        refresh_token,
        max_age=request.app.state.settings.refresh_token_ttl_seconds,
        path=SESSION_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=SESSION_PATH, secure=True, httponly=True, samesite="strict")


def _access(request: Request, pair: service.TokenPair) -> Response:
    """The access token only; the refresh token goes into the cookie."""
    response = json_response(
        {"access_token": pair.access_token, "token_type": "Bearer", "expires_in": pair.expires_in}
    )
    response.headers["Cache-Control"] = "no-store"
    _set_cookie(response, request, pair.refresh_token)
    return response


@router.post("")
async def open_session(request: Request, db: Db, body: LoginRequest) -> Response:
    """Log in: the access token in the body, the refresh token in the session cookie."""
    pair = await log_in(request, db, body)
    return _access(request, pair)


@router.post("/refresh", status_code=200)
async def refresh_session(request: Request, db: Db) -> Response:
    """A new access token for the cookie's refresh token, which rotates (reuse ends the
    session, as on the API); with one no longer valid, a 401 that clears the cookie. Without
    a cookie, 204: not signed in, which every page asks when it loads (no error to log)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("unknown refresh token")
        pair = await service.refresh(
            engine=db,
            settings=request.app.state.settings,
            keys=request.app.state.signing_keys,
            refresh_token=token,
            announcer=request.app.state.token_versions,
        )
    except InvalidToken as error:
        response = problem_response(
            status=error.status,
            code=error.code,
            detail=error.message,
            instance=request.url.path,
            title=error.title,
            headers={"Cache-Control": "no-store"},
        )
        _clear_cookie(response)
        return response
    return _access(request, pair)


@router.delete("", status_code=204)
async def close_session(request: Request, db: Db) -> Response:
    """Log out: the cookie's session revoked (its access tokens refused at once), the cookie
    cleared. Without a cookie, only the clearing."""
    token = request.cookies.get(COOKIE)
    if token and len(token) <= MAX_TOKEN_CHARS:
        await service.logout(
            engine=db, refresh_token=token, announcer=request.app.state.token_versions
        )
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _clear_cookie(response)
    return response
