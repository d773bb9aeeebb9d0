"""Which hotels' alerts an identity sees and changes: every hotel, or the ones its user manages.

Admins and analysts see every hotel. Anyone else the policies admit to alerts (a manager) sees
the hotels assigned to their user (`user_hotels`; `hotelreviews users hotels add`); an API key
is no user and manages none, so a manager-only key sees no alert.

The hotels are read from the database with the request, never carried in the access token: an
assignment added or taken away counts from the next request, without waiting for the token to
expire or refusing the user's tokens (which would sign them out of every page to change
something that is not about who they are). It costs one indexed read on the routes that use
it (alerts, the events of alerts, who am I), none elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.security import user_hotels_repository as repo
from hotelreviews.security.identity import Identity
from hotelreviews.security.roles import ADMIN, ANALYST, MANAGER

EVERY_HOTEL_ROLES = frozenset({ADMIN, ANALYST})


@dataclass(frozen=True, slots=True)
class HotelScope:
    """every_hotel, or the hotels of `user_id` (None: an identity that manages none)."""

    every_hotel: bool
    user_id: int | None = None

    async def hotel_ids(self, connection: AsyncConnection) -> frozenset[int] | None:
        """The hotels in scope, read in the caller's transaction; None for every hotel."""
        if self.every_hotel:
            return None
        if self.user_id is None:
            return frozenset()
        return await repo.hotel_ids_of(connection, self.user_id)


EVERY_HOTEL = HotelScope(every_hotel=True)


def hotel_scope(identity: Identity) -> HotelScope:
    if identity.roles & EVERY_HOTEL_ROLES:
        return EVERY_HOTEL
    # Only a manager manages hotels: anyone else's scope is known without a read (the event
    # stream asks it of every client, ingest users following a run included).
    manages = identity.kind == "user" and MANAGER in identity.roles
    return HotelScope(every_hotel=False, user_id=identity.id if manages else None)
