"""The route's policy, checked before its body is read: who may call comes before what they sent.

enforce_policy (security.http) runs as a dependency, and FastAPI reads and parses a route's
body before it solves dependencies: an anonymous client posting a malformed body to a
protected route got 400/422, learning how the route parses bodies (and costing us the
parsing) before being asked who it is. A router whose routes take bodies uses
`route_class=PolicyFirstRoute`: its handler checks the policy first. The dependency checks
again, which costs nothing more (the identity is resolved once per request,
security.authn). `require_policy_first` refuses to build an app with a protected route that
takes a body without it (fail closed, like bind_policies).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts

from hotelreviews.security.http import enforce_policy


class PolicyFirstRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def policy_first(request: Request) -> Response:
            # An AuthError raised here is answered by the app's handler (security.http).
            await enforce_policy(request)
            return await handler(request)

        return policy_first


def require_policy_first(app: FastAPI) -> None:
    """Refuse a protected route with a body that would parse it before checking the caller
    (call after bind_policies)."""
    policies = app.state.route_policies
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if (
            isinstance(original, APIRoute)
            and original.body_field is not None
            and not policies[route.name].public
            and not isinstance(original, PolicyFirstRoute)
        ):
            raise RuntimeError(f"{route.path} takes a body: its router needs PolicyFirstRoute")
