"""HTTP routes of authentication: log in, refresh (rotating), log out, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from hotelreviews.api.deps import Db
from hotelreviews.api.problem_details import PROBLEM_JSON, PROBLEMS, Problem
from hotelreviews.api.responses import json_response
from hotelreviews.security import service, user_hotels
from hotelreviews.security.hotel_scope import hotel_scope
from hotelreviews.security.http import CurrentIdentity, log_in
from hotelreviews.security.schemas import (
    IdentityRead,
    LoginRequest,
    RefreshRequest,
    TokenResponse,
)

router = APIRouter(prefix="/auth", tags=["auth"])
# Public routes whose credential is in the body: a wrong one is their own 401.
CREDENTIAL_PROBLEMS = {
    **PROBLEMS,
    401: {"model": Problem, "description": "Invalid credentials", "content": {PROBLEM_JSON: {}}},
}


def _private(body: BaseModel) -> Response:
    """Tokens and identities are personal: no cache may keep them."""
    response = json_response(body.model_dump())
    response.headers["Cache-Control"] = "no-store"
    return response


def _tokens(pair: service.TokenPair) -> Response:
    return _private(
        TokenResponse(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )
    )


@router.post("/login", response_model=TokenResponse, responses=CREDENTIAL_PROBLEMS)
async def login(request: Request, db: Db, body: LoginRequest) -> Response:
    """Exchange a user name and password for an access token and a refresh token."""
    pair = await log_in(request, db, body)
    return _tokens(pair)


@router.post("/refresh", response_model=TokenResponse, responses=CREDENTIAL_PROBLEMS)
async def refresh(request: Request, db: Db, body: RefreshRequest) -> Response:
    """A new token pair for a refresh token, which is used up; reusing one ends the session."""
    pair = await service.refresh(
        engine=db,
        settings=request.app.state.settings,
        keys=request.app.state.signing_keys,
        refresh_token=body.refresh_token,
        announcer=request.app.state.token_versions,
    )
    return _tokens(pair)


@router.post("/logout", status_code=204, responses=PROBLEMS)
async def logout(request: Request, db: Db, body: RefreshRequest) -> Response:
    """End the session of this refresh token; the user's access tokens stop working at once
    (their other sessions get new ones at their next refresh)."""
    await service.logout(
        engine=db, refresh_token=body.refresh_token, announcer=request.app.state.token_versions
    )
    return Response(status_code=204)


@router.get("/me", response_model=IdentityRead, responses=PROBLEMS)
async def me(db: Db, identity: CurrentIdentity) -> Response:
    """The caller: user or API key, its roles, and the hotels whose alerts it sees."""
    is_user = identity.kind == "user" and identity.id is not None
    body = IdentityRead(
        kind="user" if identity.kind == "user" else "key",
        id=identity.id or 0,
        name=identity.name,
        roles=sorted(identity.roles),
        hotel_ids=await user_hotels.hotels_of(engine=db, user_id=identity.id) if is_user else [],
        every_hotel=hotel_scope(identity).every_hotel,
    )
    return _private(body)
