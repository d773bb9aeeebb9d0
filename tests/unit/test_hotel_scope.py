"""Whose hotels an identity's alerts are limited to (security.hotel_scope): every hotel for
admins and analysts, a manager user's own hotels, and none — known without reading the
database — for anyone else (a key, an ingest user following a run on the event stream)."""

from __future__ import annotations

import pytest

from hotelreviews.security.hotel_scope import EVERY_HOTEL, HotelScope, hotel_scope
from hotelreviews.security.identity import Identity


def _user(*roles: str) -> Identity:
    return Identity(kind="user", id=7, name="someone", roles=frozenset(roles))


@pytest.mark.parametrize("roles", [("admin",), ("analyst",), ("analyst", "manager")])
def test_admins_and_analysts_see_every_hotel(roles: tuple[str, ...]) -> None:
    assert hotel_scope(_user(*roles)) is EVERY_HOTEL


def test_a_manager_user_sees_the_hotels_of_their_user() -> None:
    assert hotel_scope(_user("manager", "ingest")) == HotelScope(every_hotel=False, user_id=7)


@pytest.mark.parametrize(
    "identity",
    [
        _user("ingest"),
        _user(),
        Identity(kind="key", id=3, roles=frozenset({"manager"})),
        Identity(kind="anonymous"),
    ],
)
async def test_anyone_else_manages_no_hotel_and_needs_no_read(identity: Identity) -> None:
    scope = hotel_scope(identity)

    assert scope == HotelScope(every_hotel=False, user_id=None)
    assert await scope.hotel_ids(connection=None) == frozenset()  # type: ignore[arg-type]
