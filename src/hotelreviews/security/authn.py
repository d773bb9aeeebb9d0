"""Resolve a request's credentials to an Identity, once per request, kept on the ASGI scope.

`scope["state"]["identity"]` (so `request.state.identity`) is the Identity: anonymous when
no credentials were sent, or when they were invalid, in which case
`scope["state"]["identity_error"]` holds the AuthError that protected routes answer with.
Credentials: `Authorization: Bearer <access token>` for users; `X-API-Key: <key>` or
`Authorization: ApiKey <key>` for API keys.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.routing.router import DatabaseRouter
from hotelreviews.security import service
from hotelreviews.security.errors import (
    AuthError,
    CredentialsUnverifiable,
    InvalidApiKey,
    InvalidToken,
)
from hotelreviews.security.identity import ANONYMOUS, Identity
from hotelreviews.security.tokens import verify_access_token

API_KEY_HEADER = "X-API-Key"
_API_KEY = API_KEY_HEADER.lower().encode()
_MAX_CREDENTIAL_LENGTH = 4096


async def resolve_identity(scope: Scope) -> tuple[Identity, AuthError | None]:
    """The request's identity (and the error of invalid credentials), resolved at most once."""
    state: dict[str, Any] = scope.setdefault("state", {})
    if "identity" not in state:
        try:
            identity, error = await _authenticate(scope), None
        except AuthError as failure:
            identity, error = ANONYMOUS, failure
        state["identity"] = identity
        state["identity_error"] = error
    return state["identity"], state["identity_error"]


async def _authenticate(scope: Scope) -> Identity:
    authorization = api_key = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == _API_KEY:
            api_key = value
    if authorization is None and api_key is None:
        return ANONYMOUS
    if authorization is not None and api_key is not None:
        raise InvalidToken(f"send either Authorization or {API_KEY_HEADER}, not both")
    raw = authorization if authorization is not None else api_key
    assert raw is not None
    if len(raw) > _MAX_CREDENTIAL_LENGTH:
        raise InvalidToken("the credentials are too long")
    text = raw.decode("latin-1").strip()
    app = scope["app"]
    if api_key is not None:
        return await _api_key_identity(app.state.router, text)
    scheme, _, credentials = text.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "apikey":
        return await _api_key_identity(app.state.router, credentials)
    if scheme.lower() != "bearer" or not credentials:
        raise InvalidToken("expected Authorization: Bearer <access token> or ApiKey <key>")
    settings = app.state.settings
    verified = verify_access_token(
        credentials,
        keys=app.state.signing_keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    # Signed and unexpired is not enough: logout, disabling, a role removal or a refresh
    # token's reuse since it was issued refuses it (cached: usually a dict look-up).
    assert verified.identity.id is not None
    await app.state.token_versions.check(
        user_id=verified.identity.id, version=verified.token_version, router=app.state.router
    )
    return verified.identity


def settled_without_credentials(scope: Scope) -> bool:
    """True when the HTTP request's identity is known without a coroutine: already resolved,
    or anonymous for want of credentials (most requests: every cache hit), which it then
    gets. False: `await resolve_identity(scope)`."""
    state: dict[str, Any] | None = scope.get("state")
    if state is None:
        state = scope["state"] = {}
    elif "identity" in state:
        return True
    if _sends_credentials(scope["headers"]):
        return False
    state["identity"] = ANONYMOUS
    state["identity_error"] = None
    return True


def _sends_credentials(headers: list[tuple[bytes, bytes]]) -> bool:
    # A loop, not any() over a generator: a third of the time, on every request.
    for name, _ in headers:  # noqa: SIM110
        if name == b"authorization" or name == _API_KEY:
            return True
    return False


async def _api_key_identity(router: DatabaseRouter, key: str) -> Identity:
    """Looked up where the region's reads go — its replica — so that a key costs no round
    trip to a primary in another region. A revocation counts once the replica has replayed
    it (well under a second while it streams; a replica lagging beyond
    replica_max_lag_seconds is not used). A key the replica does not know may be too new for
    it: the primary has the last word. While the primary is lost, replicas still check keys;
    with no database at all the request gets 503 (CredentialsUnverifiable)."""
    primary = router.primary.engine
    try:
        try:
            identity, _ = await router.read(
                service.authenticate_api_key, key=key, record_use_on=primary
            )
        except InvalidApiKey:
            if not router.replicas:
                raise
            identity = await service.authenticate_api_key(
                engine=primary, key=key, record_use_on=primary
            )
    except AuthError:
        raise
    except Exception as exc:
        if not is_connection_error(exc):
            raise
        raise CredentialsUnverifiable(
            "the API key cannot be checked right now (the database is unavailable); "
            "try again shortly"
        ) from exc
    return identity
