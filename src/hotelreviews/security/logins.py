"""Logging in: the password check, and the failed-login throttles around it.

Failures count per (user name, client address) — the backoff and lockout rules — and per
name across every address — the gentler name-wide throttle (security/lockout.py), so that a
stranger cannot lock the owner out, and guessing from many addresses is still slowed down.
Unknown names and disabled users cost the same work and get the same answer as a wrong
password. Secrets never reach a log line or an audit record.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.audit import service as audit
from hotelreviews.audit.context import Actor
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.security import repository as repo
from hotelreviews.security.errors import InvalidCredentials, LoginBackoff, LoginLocked
from hotelreviews.security.lockout import (
    Wait,
    after_failure,
    forget_after,
    is_locked_out,
    locked_for,
    login_lockout_policy,
    login_name_throttle_policy,
    must_wait,
)
from hotelreviews.security.passwords import verify_password
from hotelreviews.security.service import TokenPair, User, new_refresh_token, token_pair
from hotelreviews.security.signing import SigningKeys

logger = logging.getLogger("hotelreviews.security")


async def login(
    *,
    engine: AsyncEngine,
    settings: Settings,
    keys: SigningKeys,
    username: str,
    password: str,
    client_address: str | None = None,
) -> TokenPair:
    """A new session (token family), or InvalidCredentials / LoginLocked / LoginBackoff."""
    name = username.strip().lower()[:100]
    address = counted_address(client_address)
    now = utcnow()
    async with engine.connect() as connection:
        by_address = await repo.get_failures(connection, name, address)
        by_name = await repo.get_failures(connection, name, repo.NAME_WIDE)
        row = await repo.get_user_by_name(connection, name)
    policy = login_lockout_policy(settings)
    wait = must_wait(by_address=by_address, by_name=by_name, now=now, policy=policy)
    if wait is not None:
        # Refused without looking at the password, and not counted: guesses made while the
        # name must wait tell the guesser nothing and cost the owner nothing more.
        await _refuse_while_waiting(engine, name, row, wait)
    # argon2 takes tens of milliseconds of CPU: off the event loop. Unknown names and disabled
    # users cost the same work, so timing does not tell them apart.
    matches = await asyncio.to_thread(
        verify_password, None if row is None else row.password_hash, password
    )
    if not matches or row is None or row.disabled:
        await _count_failure(engine, settings, name, address, row)
        raise InvalidCredentials("wrong user name or password")
    async with write_transaction(engine) as connection:
        # This address's failures are forgiven; the name-wide count is not (it runs out with
        # its window): the owner's success must not reset a distributed guesser's throttle.
        await repo.clear_failures(connection, name, address)
        refresh_token = await new_refresh_token(
            connection, settings, family_id=uuid.uuid4().hex, user_id=row.id, now=now
        )
        await audit.record(
            connection,
            action="auth.login",
            actor=Actor("user", row.id, name),
            target_kind="user",
            target_id=row.id,
        )
    logger.info("user %s logged in", name)
    return token_pair(settings, keys, User.from_row(row), refresh_token, now)


def counted_address(client_address: str | None) -> str:
    """Whose failures an attempt counts among: its IPv4 address, or its IPv6 /64 (one
    subscriber's usual allocation: a guesser rotating addresses inside it gains nothing)."""
    try:
        ip = ipaddress.ip_address((client_address or "").strip("[]"))
    except ValueError:
        return "unknown" if not client_address else client_address[:100].replace("*", "?")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


async def _refuse_while_waiting(engine: AsyncEngine, name: str, row: Any, wait: Wait) -> None:
    reason = "locked" if wait.locked else "name_throttled" if wait.name_wide else "backoff"
    await audit.record_alone(
        engine,
        action="auth.login_failed",
        outcome="denied",
        target_kind="user",
        target_id=None if row is None else row.id,
        details={"username": name, "reason": reason},
    )
    retry_after = max(1, math.ceil(wait.seconds))
    if wait.locked:
        raise LoginLocked(
            "too many failed logins for this user name from this address: it is locked here, "
            "try again later",
            retry_after_seconds=retry_after,
        )
    if wait.name_wide:
        raise LoginBackoff(
            "many failed logins for this user name from many addresses: wait "
            f"{retry_after} s before the next attempt",
            retry_after_seconds=retry_after,
        )
    raise LoginBackoff(
        f"failed logins for this user name: wait {retry_after} s before the next attempt",
        retry_after_seconds=retry_after,
    )


async def _count_failure(
    engine: AsyncEngine, settings: Settings, name: str, address: str, row: Any
) -> None:
    policy = login_lockout_policy(settings)
    async with write_transaction(engine) as connection:
        failed_at = utcnow()
        state = after_failure(await repo.get_failures(connection, name, address), failed_at, policy)
        await repo.save_failures(connection, name, address, state)
        name_wide = after_failure(
            await repo.get_failures(connection, name, repo.NAME_WIDE),
            failed_at,
            login_name_throttle_policy(settings),
        )
        await repo.save_failures(connection, name, repo.NAME_WIDE, name_wide)
        # Anything older than a window has no say any more (lockout.after_failure), but a
        # name locked out before is remembered longer, so that its next lockout escalates.
        await repo.forget_old_failures(
            connection,
            idle_before=failed_at - timedelta(seconds=2 * policy.window_seconds),
            locked_before=failed_at - forget_after(policy),
        )
        # The name tried, never the password.
        await audit.record(
            connection,
            action="auth.login_failed",
            outcome="failure",
            target_kind="user",
            target_id=None if row is None else row.id,
            details={
                "username": name,
                "locked": is_locked_out(state, policy),
                "wait_seconds": round(locked_for(state, failed_at)),
                "name_wide_failures": name_wide.failures,
            },
        )
    logger.warning(
        "failed login for user name %r from %s (%d in the window from there, %d from anywhere%s)",
        name,
        address,
        state.failures,
        name_wide.failures,
        (f", locked out for {locked_for(state, failed_at):.0f} s (lockout {state.lockouts})")
        if is_locked_out(state, policy)
        else (
            f", next attempt in {locked_for(state, failed_at):.0f} s" if state.locked_until else ""
        ),
    )
