"""Access tokens: short-lived JWTs, verified with the one pinned algorithm only.

Pinning (`algorithms=[configured]`) is what rejects `alg: none` and algorithm confusion;
PyJWT also checks the signature, `exp`, `nbf`, `iss` and `aud`, all required here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import jwt

from hotelreviews.security.errors import InvalidToken
from hotelreviews.security.identity import Identity
from hotelreviews.security.roles import ROLES
from hotelreviews.security.signing import SigningKeys

_REQUIRED = ["exp", "nbf", "iat", "iss", "aud", "sub"]
# A little slack for clocks of several API hosts.
_LEEWAY_SECONDS = 5


def issue_access_token(
    *,
    keys: SigningKeys,
    issuer: str,
    audience: str,
    user_id: int,
    username: str,
    roles: frozenset[str],
    now: datetime,
    ttl_seconds: int,
) -> str:
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "name": username,
        "roles": sorted(roles),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, keys.signing_key, algorithm=keys.algorithm)


def verify_access_token(token: str, *, keys: SigningKeys, issuer: str, audience: str) -> Identity:
    """The user the token names, or InvalidToken (never saying which check failed to whom)."""
    try:
        claims = jwt.decode(
            token,
            keys.verifying_key,
            algorithms=[keys.algorithm],
            audience=audience,
            issuer=issuer,
            leeway=_LEEWAY_SECONDS,
            options={"require": _REQUIRED},
        )
        user_id = int(claims["sub"])
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise ValueError("roles")
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise InvalidToken("the access token is invalid or expired") from None
    return Identity(
        kind="user",
        id=user_id,
        name=str(claims.get("name", "")),
        roles=frozenset(roles) & ROLES,
    )
