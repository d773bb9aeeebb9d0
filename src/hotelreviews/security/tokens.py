"""Access tokens: short-lived JWTs, verified with the one pinned algorithm only.

Pinning (`algorithms=[configured]`) is what rejects `alg: none` and algorithm confusion;
PyJWT also checks the signature, `exp`, `nbf`, `iss` and `aud`, all required here. `ver`,
the user's token version when it was issued, is required too: the identity check refuses a
token whose version is no longer the user's (security.token_versions).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from hotelreviews.security.errors import InvalidToken
from hotelreviews.security.identity import Identity
from hotelreviews.security.roles import ROLES
from hotelreviews.security.signing import SigningKeys

_REQUIRED = ["exp", "nbf", "iat", "iss", "aud", "sub", "ver"]
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
    token_version: int,
    now: datetime,
    ttl_seconds: int,
) -> str:
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": str(user_id),
        "name": username,
        "roles": sorted(roles),
        "ver": token_version,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, keys.signing_key, algorithm=keys.algorithm)


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    identity: Identity
    token_version: int  # to compare with the user's current one


def verify_access_token(
    token: str, *, keys: SigningKeys, issuer: str, audience: str
) -> VerifiedToken:
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
        token_version = claims["ver"]
        if not isinstance(token_version, int) or isinstance(token_version, bool):
            raise ValueError("ver")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise ValueError("roles")
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise InvalidToken("the access token is invalid or expired") from None
    identity = Identity(
        kind="user",
        id=user_id,
        name=str(claims.get("name", "")),
        roles=frozenset(roles) & ROLES,
    )
    return VerifiedToken(identity, token_version)
