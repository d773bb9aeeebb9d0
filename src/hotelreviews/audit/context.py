"""Who is acting and from where, for the audit records the services write.

Services are shared by the API and the CLI and do not take a request: the entrypoint sets
the acting context here (a context variable, so concurrent requests never mix) and
audit.record reads it. HTTP requests: AuditContextMiddleware keeps the request's ASGI
scope, whose identity (security.authn), client address (protection.addresses, through
trusted proxies) and request id (the trace id: observability.requests) are read when an event
is recorded. The CLI: `cli_context()`.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # user | key | anonymous | cli | system
    id: int | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an action comes from: the acting identity by default, the address, a request id."""

    actor: Actor
    client_address: str | None
    request_id: str | None = None


SYSTEM = Origin(Actor("system"), None)
_scope: ContextVar[Scope | None] = ContextVar("audit_scope", default=None)
_fixed: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def current_origin() -> Origin:
    """The origin of the action being done now (the worker and tests: `system`)."""
    fixed = _fixed.get()
    if fixed is not None:
        return fixed
    scope = _scope.get()
    if scope is None:
        return SYSTEM
    state: dict[str, Any] = scope.get("state") or {}
    identity = state.get("identity")
    if identity is None or not identity.authenticated:
        actor = Actor("anonymous")
    else:
        # A key's label is replaced by its prefix when recorded (audit.record).
        actor = Actor(identity.kind, identity.id, identity.name)
    client = scope.get("client")
    request_id = state.get("request_id")
    return Origin(
        actor,
        None if client is None else str(client[0])[:100],
        None if request_id is None else str(request_id)[:100],
    )


@contextmanager
def cli_context() -> Iterator[None]:
    """CLI commands act as `cli` and the OS user running them."""
    try:
        user = getpass.getuser()
    except Exception:  # no name for this uid (containers): still a CLI action
        user = None
    token = _fixed.set(Origin(Actor("cli", None, user), "cli"))
    try:
        yield
    finally:
        _fixed.reset(token)


class AuditContextMiddleware:
    """Keep the request's scope for audit records made while it is served."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _scope.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            _scope.reset(token)
