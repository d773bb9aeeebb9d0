"""The hotels a user manages: assign and take away (the CLI, `hotelreviews users hotels`), and
read (who am I). What the assignment means for alerts: security.hotel_scope.

A hotel is checked by the foreign key, in the transaction that assigns it (security sits below
the hotels domain and asks the database, not hotels.repository): an unknown hotel fails the
whole command, leaving nothing half-assigned.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.audit import service as audit
from hotelreviews.core.clock import utcnow
from hotelreviews.core.database import read_transaction, write_transaction
from hotelreviews.security import repository as users_repo
from hotelreviews.security import user_hotels_repository as repo
from hotelreviews.security.service import IdentityError, assign_hotels, normalize_username

logger = logging.getLogger("hotelreviews.security")


async def add_hotels(*, engine: AsyncEngine, username: str, hotel_ids: Iterable[int]) -> list[int]:
    """Let the user manage these hotels too; the user's hotels now."""

    async def add(connection: AsyncConnection, user_id: int) -> list[int]:
        return await assign_hotels(connection, user_id=user_id, hotel_ids=hotel_ids, now=utcnow())

    return await _change(engine=engine, username=username, action="user.hotels_add", change=add)


async def remove_hotels(
    *, engine: AsyncEngine, username: str, hotel_ids: Iterable[int]
) -> list[int]:
    """Take these hotels away from the user (at once: read per request); the user's hotels
    now."""

    async def take(connection: AsyncConnection, user_id: int) -> list[int]:
        held = await repo.hotel_ids_of(connection, user_id)
        taken = sorted(held & set(hotel_ids))
        if taken:
            await repo.remove(connection, user_id, taken)
        return taken

    return await _change(engine=engine, username=username, action="user.hotels_remove", change=take)


async def _change(
    *,
    engine: AsyncEngine,
    username: str,
    action: str,
    change: Callable[[AsyncConnection, int], Awaitable[list[int]]],
) -> list[int]:
    """Apply `change` to the user's hotels in one transaction, auditing the hotels it really
    added or took (none: no audit event); the user's hotels now."""
    name = normalize_username(username)
    async with write_transaction(engine) as connection:
        user_id = await _user_id(connection, name)
        changed = await change(connection, user_id)
        if changed:
            await audit.record(
                connection,
                action=action,
                target_kind="user",
                target_id=user_id,
                details={"username": name, "hotel_ids": changed},
            )
        hotels = sorted(await repo.hotel_ids_of(connection, user_id))
    logger.info("user %s now manages hotels %s", name, hotels)
    return hotels


async def hotels_of_user(*, engine: AsyncEngine, username: str) -> list[int]:
    name = normalize_username(username)
    async with read_transaction(engine) as connection:
        return sorted(await repo.hotel_ids_of(connection, await _user_id(connection, name)))


async def hotels_of(*, engine: AsyncEngine, user_id: int) -> list[int]:
    """The hotels of a signed-in user, by id (none for an unknown one)."""
    async with read_transaction(engine) as connection:
        return sorted(await repo.hotel_ids_of(connection, user_id))


async def _user_id(connection: AsyncConnection, name: str) -> int:
    row = await users_repo.get_user_by_name(connection, name)
    if row is None:
        raise IdentityError(f"no user {name}")
    return int(row.id)
