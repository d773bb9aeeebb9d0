"""All the SQL of identities: users, refresh tokens, API keys and failed-login counters.

Functions take a connection inside the caller's transaction and never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.security.lockout import FailureState
from hotelreviews.security.tables import api_keys, login_failures, refresh_tokens, users

# ---- users ----------------------------------------------------------------------------------


async def insert_user(
    connection: AsyncConnection, *, username: str, password_hash: str, roles: str, now: datetime
) -> int:
    result = await connection.execute(
        sa.insert(users)
        .values(
            username=username,
            password_hash=password_hash,
            roles=roles,
            disabled=False,
            created_at=now,
            updated_at=now,
        )
        .returning(users.c.id)
    )
    return int(result.scalar_one())


async def get_user_by_name(connection: AsyncConnection, username: str) -> Row[Any] | None:
    result = await connection.execute(sa.select(users).where(users.c.username == username))
    return result.first()


async def get_user(connection: AsyncConnection, user_id: int) -> Row[Any] | None:
    result = await connection.execute(sa.select(users).where(users.c.id == user_id))
    return result.first()


async def list_users(connection: AsyncConnection) -> list[Row[Any]]:
    result = await connection.execute(sa.select(users).order_by(users.c.id))
    return list(result)


async def bump_token_version(connection: AsyncConnection, user_id: int) -> int:
    """Refuse every access token the user holds now; returns the new version."""
    result = await connection.execute(
        sa.update(users)
        .where(users.c.id == user_id)
        .values(token_version=users.c.token_version + 1)
        .returning(users.c.token_version)
    )
    return int(result.scalar_one())


async def token_state(connection: AsyncConnection, user_id: int) -> Row[Any] | None:
    """The user's (token_version, disabled), or None if there is no such user."""
    result = await connection.execute(
        sa.select(users.c.token_version, users.c.disabled).where(users.c.id == user_id)
    )
    return result.first()


async def update_user(
    connection: AsyncConnection, username: str, *, now: datetime, **values: Any
) -> bool:
    result = await connection.execute(
        sa.update(users).where(users.c.username == username).values(updated_at=now, **values)
    )
    return result.rowcount == 1


# ---- failed logins --------------------------------------------------------------------------


# The client address of a name's counter across every address (never a real address).
NAME_WIDE = "*"


async def get_failures(
    connection: AsyncConnection, username: str, client_address: str
) -> FailureState | None:
    result = await connection.execute(
        sa.select(
            login_failures.c.failures,
            login_failures.c.window_started_at,
            login_failures.c.locked_until,
            login_failures.c.lockouts,
        ).where(
            login_failures.c.username == username,
            login_failures.c.client_address == client_address,
        )
    )
    row = result.first()
    return None if row is None else FailureState(*row)


async def save_failures(
    connection: AsyncConnection, username: str, client_address: str, state: FailureState
) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {
        "failures": state.failures,
        "window_started_at": state.window_started_at,
        "locked_until": state.locked_until,
        "lockouts": state.lockouts,
    }
    statement = dialect.insert(login_failures).values(
        username=username, client_address=client_address, **values
    )
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=[login_failures.c.username, login_failures.c.client_address],
            set_=values,
        )
    )


async def forget_old_failures(
    connection: AsyncConnection, *, idle_before: datetime, locked_before: datetime
) -> None:
    """Drop counters that lock nothing any more and are older than `idle_before` — names tried
    once and never again (many, under a guessing attack) do not pile up — except those of
    names locked out before, kept until `locked_before` so their next lockout escalates."""
    f = login_failures.c

    def quiet_since(moment: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(
            f.window_started_at < moment, sa.or_(f.locked_until.is_(None), f.locked_until < moment)
        )

    await connection.execute(
        sa.delete(login_failures).where(
            sa.or_(sa.and_(f.lockouts == 0, quiet_since(idle_before)), quiet_since(locked_before))
        )
    )


async def clear_failures(connection: AsyncConnection, username: str, client_address: str) -> None:
    f = login_failures.c
    await connection.execute(
        sa.delete(login_failures).where(f.username == username, f.client_address == client_address)
    )


# ---- refresh tokens -------------------------------------------------------------------------


async def insert_refresh_token(
    connection: AsyncConnection,
    *,
    family_id: str,
    user_id: int,
    token_hash: str,
    expires_at: datetime,
    now: datetime,
) -> None:
    await connection.execute(
        sa.insert(refresh_tokens).values(
            family_id=family_id,
            user_id=user_id,
            token_hash=token_hash,
            expires_at=expires_at,
            created_at=now,
        )
    )


async def get_refresh_token(connection: AsyncConnection, token_hash: str) -> Row[Any] | None:
    result = await connection.execute(
        sa.select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
    )
    return result.first()


async def mark_rotated(connection: AsyncConnection, token_id: int, now: datetime) -> bool:
    """Use the token up; False if it was used or revoked meanwhile (a concurrent reuse)."""
    t = refresh_tokens.c
    result = await connection.execute(
        sa.update(refresh_tokens)
        .where(t.id == token_id, t.rotated_at.is_(None), t.revoked_at.is_(None))
        .values(rotated_at=now)
    )
    return result.rowcount == 1


async def revoke_family(connection: AsyncConnection, family_id: str, now: datetime) -> None:
    t = refresh_tokens.c
    await connection.execute(
        sa.update(refresh_tokens)
        .where(t.family_id == family_id, t.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_tokens(connection: AsyncConnection, user_id: int, now: datetime) -> None:
    t = refresh_tokens.c
    await connection.execute(
        sa.update(refresh_tokens)
        .where(t.user_id == user_id, t.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# ---- API keys -------------------------------------------------------------------------------


async def insert_api_key(
    connection: AsyncConnection,
    *,
    prefix: str,
    key_hash: str,
    name: str,
    roles: str,
    expires_at: datetime | None,
    now: datetime,
) -> int:
    result = await connection.execute(
        sa.insert(api_keys)
        .values(
            prefix=prefix,
            key_hash=key_hash,
            name=name,
            roles=roles,
            created_at=now,
            expires_at=expires_at,
        )
        .returning(api_keys.c.id)
    )
    return int(result.scalar_one())


async def get_api_key_by_prefix(connection: AsyncConnection, prefix: str) -> Row[Any] | None:
    result = await connection.execute(sa.select(api_keys).where(api_keys.c.prefix == prefix))
    return result.first()


async def list_api_keys(connection: AsyncConnection) -> list[Row[Any]]:
    result = await connection.execute(sa.select(api_keys).order_by(api_keys.c.id))
    return list(result)


async def revoke_api_key(connection: AsyncConnection, key_id: int, now: datetime) -> bool:
    k = api_keys.c
    result = await connection.execute(
        sa.update(api_keys).where(k.id == key_id, k.revoked_at.is_(None)).values(revoked_at=now)
    )
    return result.rowcount == 1


async def touch_api_key(connection: AsyncConnection, key_id: int, now: datetime) -> None:
    await connection.execute(
        sa.update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now)
    )
