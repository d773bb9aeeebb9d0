"""Identity use cases shared by the API and the CLI: users, token rotation and revocation, API
keys (logins: security.logins).

Each use case owns its transactions. Secrets never reach a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.audit import service as audit
from hotelreviews.audit.context import Actor
from hotelreviews.cache.codec import TokensRevoked
from hotelreviews.core.clock import utcnow
from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.security import opaque
from hotelreviews.security import repository as repo
from hotelreviews.security import user_hotels_repository as hotels_repo
from hotelreviews.security.errors import InvalidApiKey, InvalidToken
from hotelreviews.security.identity import Identity
from hotelreviews.security.passwords import (
    check_password_strength,
    hash_password,
)
from hotelreviews.security.roles import dump_roles, load_roles
from hotelreviews.security.signing import SigningKeys
from hotelreviews.security.tokens import issue_access_token

if TYPE_CHECKING:
    from hotelreviews.security.token_versions import Announcer

logger = logging.getLogger("hotelreviews.security")

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,99}$")
# last_used_at is written at most this often per key: not a write per request.
_KEY_USE_RESOLUTION = timedelta(seconds=60)


class IdentityError(Exception):
    """A CLI or admin request that cannot be done as asked (message for people)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    roles: frozenset[str]
    disabled: bool
    created_at: datetime
    token_version: int = 0  # in its access tokens; bumped to refuse them (token_versions)

    @classmethod
    def from_row(cls, row: Row[Any]) -> User:
        return cls(
            row.id,
            row.username,
            load_roles(row.roles),
            row.disabled,
            row.created_at,
            row.token_version,
        )


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"

    def __repr__(self) -> str:  # never show the tokens
        return f"TokenPair(expires_in={self.expires_in})"


@dataclass(frozen=True)
class ApiKey:
    id: int
    prefix: str
    name: str
    roles: frozenset[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> ApiKey:
        return cls(
            row.id,
            row.prefix,
            row.name,
            load_roles(row.roles),
            row.created_at,
            row.expires_at,
            row.revoked_at,
            row.last_used_at,
        )


def normalize_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise IdentityError(
            "a user name is 1 to 100 characters: letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


# ---- users ----------------------------------------------------------------------------------


async def create_user(
    *,
    engine: AsyncEngine,
    username: str,
    password: str,
    roles: frozenset[str],
    hotel_ids: Iterable[int] = (),
) -> User:
    """A new user, managing `hotel_ids` (security.hotel_scope); nothing is created if one of
    the hotels does not exist."""
    hotel_ids = sorted(set(hotel_ids))
    name = normalize_username(username)
    try:
        check_password_strength(password)
    except ValueError as error:
        raise IdentityError(str(error)) from None
    password_hash = await asyncio.to_thread(hash_password, password)
    now = utcnow()
    async with write_transaction(engine) as connection:
        if await repo.get_user_by_name(connection, name) is not None:
            raise IdentityError(f"user {name} already exists")
        await repo.insert_user(
            connection, username=name, password_hash=password_hash, roles=dump_roles(roles), now=now
        )
        row = await repo.get_user_by_name(connection, name)
        assert row is not None
        await assign_hotels(connection, user_id=row.id, hotel_ids=hotel_ids, now=now)
        details: dict[str, Any] = {"username": name, "roles": sorted(roles)}
        if hotel_ids:
            details["hotel_ids"] = hotel_ids
        await audit.record(
            connection, action="user.create", target_kind="user", target_id=row.id, details=details
        )
    logger.info(
        "user %s created with roles %s%s",
        name,
        dump_roles(roles) or "(none)",
        f", managing hotels {hotel_ids}" if hotel_ids else "",
    )
    return User.from_row(row)


async def assign_hotels(
    connection: AsyncConnection, *, user_id: int, hotel_ids: Iterable[int], now: datetime
) -> list[int]:
    """Assign the hotels in the caller's transaction; those newly assigned. IdentityError
    (the transaction is to be rolled back) naming a hotel that does not exist."""
    added = []
    for hotel_id in sorted(set(hotel_ids)):
        try:
            if await hotels_repo.add(connection, user_id, hotel_id, now):
                added.append(hotel_id)
        except sa_exc.IntegrityError:  # the foreign key: the only constraint an insert can fail
            raise IdentityError(
                f"no hotel {hotel_id}: give the id of an existing hotel "
                "(GET /api/v1/hotels lists them)"
            ) from None
    return added


async def list_users(*, engine: AsyncEngine) -> list[User]:
    async with engine.connect() as connection:
        return [User.from_row(row) for row in await repo.list_users(connection)]


async def get_user(*, engine: AsyncEngine, user_id: int) -> User | None:
    async with engine.connect() as connection:
        row = await repo.get_user(connection, user_id)
    return None if row is None else User.from_row(row)


async def set_disabled(
    *, engine: AsyncEngine, username: str, disabled: bool, announcer: Announcer | None = None
) -> User:
    """Disable (and sign out of every session: refresh tokens revoked, access tokens refused
    at once) or re-enable a user."""
    name = normalize_username(username)
    now = utcnow()
    revoked = None
    async with write_transaction(engine) as connection:
        row = await repo.get_user_by_name(connection, name)
        if row is None:
            raise IdentityError(f"no user {name}")
        await repo.update_user(connection, name, now=now, disabled=disabled)
        if disabled:
            await repo.revoke_user_tokens(connection, row.id, now)
            revoked = await _bump(connection, row.id)
        await audit.record(
            connection,
            action="user.disable" if disabled else "user.enable",
            target_kind="user",
            target_id=row.id,
            details={"username": name},
        )
        row = await repo.get_user_by_name(connection, name)
    await _announce(announcer, revoked)
    logger.info("user %s %s", name, "disabled" if disabled else "enabled")
    return User.from_row(row)


async def set_roles(
    *,
    engine: AsyncEngine,
    username: str,
    roles: frozenset[str],
    announcer: Announcer | None = None,
) -> User:
    """New roles apply from the user's next login or refresh (access tokens carry roles);
    a role taken away also refuses the access tokens that carry it, at once."""
    name = normalize_username(username)
    revoked = None
    async with write_transaction(engine) as connection:
        before = await repo.get_user_by_name(connection, name)
        if before is None:
            raise IdentityError(f"no user {name}")
        await repo.update_user(connection, name, now=utcnow(), roles=dump_roles(roles))
        if load_roles(before.roles) - roles:
            revoked = await _bump(connection, before.id)
        row = await repo.get_user_by_name(connection, name)
        await audit.record(
            connection,
            action="user.set_roles",
            target_kind="user",
            target_id=row.id,
            details={"username": name, "roles": sorted(roles)},
        )
    await _announce(announcer, revoked)
    logger.info("user %s now has roles %s", name, dump_roles(roles) or "(none)")
    return User.from_row(row)


# ---- logins and tokens ----------------------------------------------------------------------


async def refresh(
    *,
    engine: AsyncEngine,
    settings: Settings,
    keys: SigningKeys,
    refresh_token: str,
    announcer: Announcer | None = None,
) -> TokenPair:
    """Rotate: the presented token is used up and a new one of the same family returned.

    A token presented a second time means it leaked (or its new one did): the whole family
    is revoked, and every access token of the user refused, so neither the thief nor the
    user can go on without logging in again (the user's other sessions refresh).
    """
    now = utcnow()
    problem: str | None = None
    revoked: TokensRevoked | None = None
    async with write_transaction(engine) as connection:
        row = await repo.get_refresh_token(connection, opaque.digest(refresh_token))
        if row is None:
            problem = "unknown refresh token"
        elif row.revoked_at is not None or row.rotated_at is not None:
            await repo.revoke_family(connection, row.family_id, now)
            revoked = await _bump(connection, row.user_id)
            problem = "refresh token reused: the session is revoked"
            await _record_reuse(connection, row.user_id)
            logger.warning("refresh token reuse for user id %d: session revoked", row.user_id)
        elif row.expires_at <= now:
            problem = "refresh token expired"
        elif not await repo.mark_rotated(connection, row.id, now):
            await repo.revoke_family(connection, row.family_id, now)
            revoked = await _bump(connection, row.user_id)
            problem = "refresh token reused: the session is revoked"
            await _record_reuse(connection, row.user_id)
        else:
            user_row = await repo.get_user(connection, row.user_id)
            if user_row is None or user_row.disabled:
                await repo.revoke_family(connection, row.family_id, now)
                problem = "the user is disabled"
            else:
                user = User.from_row(user_row)
                new_token = await new_refresh_token(
                    connection, settings, family_id=row.family_id, user_id=user.id, now=now
                )
    # Raised after the block: the revocation above must commit.
    await _announce(announcer, revoked)
    if problem is not None:
        raise InvalidToken(problem)
    logger.info("user %s refreshed a session", user.username)
    return token_pair(settings, keys, user, new_token, now)


async def logout(
    *, engine: AsyncEngine, refresh_token: str, announcer: Announcer | None = None
) -> None:
    """Revoke the session the refresh token belongs to, and refuse the user's access tokens
    at once (other sessions get new ones at their next refresh); unknown tokens: nothing."""
    revoked = None
    async with write_transaction(engine) as connection:
        row = await repo.get_refresh_token(connection, opaque.digest(refresh_token))
        if row is not None:
            await repo.revoke_family(connection, row.family_id, utcnow())
            revoked = await _bump(connection, row.user_id)
            await audit.record(
                connection,
                action="auth.logout",
                actor=Actor("user", row.user_id),
                target_kind="user",
                target_id=row.user_id,
            )
    await _announce(announcer, revoked)
    logger.info("a session was logged out")


async def current_token_version(*, engine: AsyncEngine, user_id: int) -> int | None:
    """The version the user's access tokens must carry; None if disabled or gone."""
    async with engine.connect() as connection:
        state = await repo.token_state(connection, user_id)
    return None if state is None or state.disabled else int(state.token_version)


async def _bump(connection: Any, user_id: int) -> TokensRevoked:
    """Refuse the user's access tokens (in the caller's transaction; announce after it)."""
    version = await repo.bump_token_version(connection, user_id)
    return TokensRevoked(user_id=user_id, token_version=version)


async def _announce(announcer: Announcer | None, revoked: TokensRevoked | None) -> None:
    """Tell the API processes about a committed revocation (best effort: without it, each
    notices within its token-version cache's TTL)."""
    if announcer is not None and revoked is not None:
        await announcer.announce(revoked)


async def _record_reuse(connection: Any, user_id: int) -> None:
    # Committed with the revocation: whoever presented the token is the user's thief or the
    # user, so the event is about the user, from the request's address.
    await audit.record(
        connection,
        action="auth.refresh_reuse_detected",
        outcome="failure",
        target_kind="user",
        target_id=user_id,
    )


async def new_refresh_token(
    connection: Any, settings: Settings, *, family_id: str, user_id: int, now: datetime
) -> str:
    token = opaque.new_refresh_token()
    await repo.insert_refresh_token(
        connection,
        family_id=family_id,
        user_id=user_id,
        token_hash=opaque.digest(token),
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        now=now,
    )
    return token


def token_pair(
    settings: Settings, keys: SigningKeys, user: User, refresh_token: str, now: datetime
) -> TokenPair:
    access = issue_access_token(
        keys=keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        user_id=user.id,
        username=user.username,
        roles=user.roles,
        token_version=user.token_version,
        now=now,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return TokenPair(access, refresh_token, settings.access_token_ttl_seconds)


# ---- API keys -------------------------------------------------------------------------------


async def create_api_key(
    *,
    engine: AsyncEngine,
    name: str,
    roles: frozenset[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown this once and stored only as a hash."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise IdentityError("a key's name is 1 to 200 characters (what or who uses it)")
    if not roles:
        raise IdentityError("a key needs at least one role")
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise IdentityError("the expiry is in the past")
    secret = opaque.new_api_key()
    async with write_transaction(engine) as connection:
        key_id = await repo.insert_api_key(
            connection,
            prefix=opaque.api_key_prefix(secret),
            key_hash=opaque.digest(secret),
            name=name,
            roles=dump_roles(roles),
            expires_at=expires_at,
            now=now,
        )
        row = await repo.get_api_key_by_prefix(connection, opaque.api_key_prefix(secret))
        assert row is not None
        await audit.record(
            connection,
            action="key.create",
            target_kind="key",
            target_id=key_id,
            details={"prefix": row.prefix, "name": name, "roles": sorted(roles)},
        )
    logger.info("API key %d (%s) created with roles %s", key_id, row.prefix, dump_roles(roles))
    return ApiKey.from_row(row), secret


async def list_api_keys(*, engine: AsyncEngine) -> list[ApiKey]:
    async with engine.connect() as connection:
        return [ApiKey.from_row(row) for row in await repo.list_api_keys(connection)]


async def revoke_api_key(*, engine: AsyncEngine, key_id: int) -> None:
    async with write_transaction(engine) as connection:
        if not await repo.revoke_api_key(connection, key_id, utcnow()):
            raise IdentityError(f"no active API key {key_id}")
        await audit.record(connection, action="key.revoke", target_kind="key", target_id=key_id)
    logger.info("API key %d revoked", key_id)


async def authenticate_api_key(
    *, engine: AsyncEngine, key: str, record_use_on: AsyncEngine | None = None
) -> Identity:
    """The identity of a valid key, looked up on `engine` (the primary, or a replica). Its
    last use is noted on `record_use_on` (the primary) at most once a minute; a primary that
    cannot be reached then does not fail the request."""
    if not opaque.looks_like_api_key(key):
        raise InvalidApiKey("the API key is invalid, expired or revoked")
    now = utcnow()
    async with engine.connect() as connection:
        row = await repo.get_api_key_by_prefix(connection, opaque.api_key_prefix(key))
    if (
        row is None
        or not opaque.same_digest(key, row.key_hash)
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
    ):
        raise InvalidApiKey("the API key is invalid, expired or revoked")
    stale = row.last_used_at is None or now - row.last_used_at >= _KEY_USE_RESOLUTION
    if record_use_on is not None and stale:
        try:
            async with record_use_on.begin() as connection:
                await repo.touch_api_key(connection, row.id, now)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            logger.info("API key %d: last use not recorded (primary unavailable)", row.id)
    return Identity(kind="key", id=row.id, name=row.name, roles=load_roles(row.roles))
