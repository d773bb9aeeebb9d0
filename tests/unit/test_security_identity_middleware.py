"""The identity (security/authn.py), resolved in app.edge's layer: what it leaves on the
scope for the layers inside, with and without credentials. tests/integration/test_api_auth.py
drives it through the API."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from hotelreviews.app.edge import EdgeMiddleware
from hotelreviews.security.errors import InvalidToken
from hotelreviews.security.identity import ANONYMOUS, Identity


async def _state_seen_inside(headers: list[tuple[bytes, bytes]], **scope: Any) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(dict(scope["state"]))

    async def unused(*_: object) -> None:
        raise AssertionError("nothing to receive or send here")

    edge = EdgeMiddleware(app, identity=True)  # the identity alone, the checks off
    await edge({"type": "http", "headers": headers, **scope}, unused, unused)
    return seen[0]


async def test_a_request_without_credentials_is_anonymous_without_an_error() -> None:
    state = await _state_seen_inside([(b"host", b"localhost"), (b"accept", b"*/*")])

    assert state == {"identity": ANONYMOUS, "identity_error": None}


@pytest.mark.parametrize(
    "credentials",
    [(b"authorization", b"Basic dXNlcjpwYXNz"), (b"authorization", b"Bearer")],
)
async def test_credentials_that_cannot_be_read_leave_anonymous_with_the_error(
    credentials: tuple[bytes, bytes],
) -> None:
    # Read the whole way (security.authn._authenticate), not taken for a request without any.
    state = await _state_seen_inside([(b"host", b"localhost"), credentials], app=object())

    assert state["identity"] == ANONYMOUS
    assert isinstance(state["identity_error"], InvalidToken)


async def test_an_identity_resolved_outside_is_kept() -> None:
    user = Identity(kind="user", id=7)

    state = await _state_seen_inside([], state={"identity": user, "identity_error": None})

    assert state["identity"] is user
