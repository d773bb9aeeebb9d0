"""Who may call what: the policy of every route of the app, in this one table.

The app refuses to start if a route has none (security.http.bind_policies), and
tests/integration/test_api_policies.py checks every role against every route. A route is
named by its method and path template.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotelreviews.security.identity import Identity
from hotelreviews.security.roles import ADMIN, ANALYST, INGEST, MANAGER, ROLES


@dataclass(frozen=True)
class Policy:
    name: str
    # Roles that may call the route (any one of them). Ignored when public.
    roles: frozenset[str] = frozenset()
    # No credentials needed (health, docs, login).
    public: bool = False
    # No credentials needed while HOTELREVIEWS_ANONYMOUS_READS is on (the default).
    anonymous_read: bool = False
    # Any authenticated identity, whatever its roles (its own profile).
    signed_in: bool = False


PUBLIC = Policy("public", public=True)
# Hotel data: anyone when anonymous reads are on, else any role.
PUBLIC_READ = Policy("public read", roles=ROLES, anonymous_read=True)
SIGNED_IN = Policy("signed in", signed_in=True)


def require(*roles: str) -> Policy:
    return Policy("requires " + " or ".join(roles), roles=frozenset(roles))


# Operations on the ingestion queue and its history.
INGESTION_READ = require(ADMIN, ANALYST, INGEST)
INGESTION_WRITE = require(ADMIN, INGEST)
# Of the roles INGESTION_READ admits, these see every ingestion; the others only those their
# identity queued. The one rule of who sees which ingestion, for the ingestions API
# (ingestion.runs.access) and the ingestion events (events.records).
SEES_EVERY_INGESTION = frozenset({ADMIN, ANALYST})
# Hotel data edits (no such route yet): require(ADMIN, MANAGER).
HOTEL_WRITE = require(ADMIN, MANAGER)


def own_ingestions_only(identity: Identity) -> str | None:
    """The identity key whose ingestions alone `identity` sees; None: it sees every one."""
    return None if identity.roles & SEES_EVERY_INGESTION else identity.key


POLICIES: dict[str, Policy] = {
    # Operations and documentation.
    "GET /livez": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /health/primary": PUBLIC,  # for the global balancer's routing of writes
    "GET /health/deep": require(ADMIN),  # every dependency, with roles and lag
    "GET /metrics": PUBLIC,  # its own bearer token when one is configured
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    # The web pages (hotelreviews.web): the data they show is the API's, under its policies.
    "GET /": PUBLIC,  # the Explorer
    "GET /hotels/{hotel_id}": PUBLIC,
    "GET /search": PUBLIC,
    "GET /assets/{name}": PUBLIC,
    "GET /login": PUBLIC,
    "GET /manage": PUBLIC,  # the manager's dashboard: its data needs the signed-in's roles
    "GET /operations": PUBLIC,  # the operations console: likewise
    "GET /operations/ingestions/{ingestion_id}": PUBLIC,
    # The pages' sessions (security.web_session): the cookie or the body is the credential.
    "POST /web/session": PUBLIC,
    "POST /web/session/refresh": PUBLIC,
    "DELETE /web/session": PUBLIC,
    # Authentication.
    "POST /api/v1/auth/login": PUBLIC,
    "POST /api/v1/auth/refresh": PUBLIC,  # the refresh token is the credential
    "POST /api/v1/auth/logout": PUBLIC,  # likewise
    "GET /api/v1/auth/me": SIGNED_IN,
    # Hotel data.
    "GET /api/v1/hotels": PUBLIC_READ,
    "GET /api/v1/hotels/{hotel_id}": PUBLIC_READ,
    "GET /api/v1/hotels/{hotel_id}/reviews": PUBLIC_READ,
    "GET /api/v1/hotels/{hotel_id}/trend": PUBLIC_READ,
    "GET /api/v1/hotels/{hotel_id}/reputation": PUBLIC_READ,
    "GET /api/v1/hotels/{hotel_id}/competitive-set": PUBLIC_READ,
    "GET /api/v1/hotels/{hotel_id}/aspect-samples": PUBLIC_READ,
    "GET /api/v1/hotels/{hotel_id}/similar": PUBLIC_READ,
    "GET /api/v1/recommendations": PUBLIC_READ,
    "GET /api/v1/recommendations/traveller-types": PUBLIC_READ,
    "GET /api/v1/recommendations/for-reviewer": PUBLIC_READ,
    "GET /api/v1/reviews/search": PUBLIC_READ,
    "GET /api/v1/reviews/{review_id}": PUBLIC_READ,
    "GET /api/v1/providers": PUBLIC_READ,
    # Ingestions.
    "POST /api/v1/ingestions": INGESTION_WRITE,
    "POST /api/v1/uploads": INGESTION_WRITE,
    "GET /api/v1/ingestions": INGESTION_READ,
    "GET /api/v1/ingestions/{ingestion_id}": INGESTION_READ,
    "GET /api/v1/ingestions/{ingestion_id}/rejected-lines": INGESTION_READ,
    # The audit log.
    "GET /api/v1/audit-events": require(ADMIN),
    # Review intelligence: alerts are for the people who act on them.
    # A manager: their own hotels' (security.hotel_scope).
    "GET /api/v1/alerts": require(ADMIN, MANAGER, ANALYST),
    "PATCH /api/v1/alerts/{alert_id}": require(ADMIN, MANAGER, ANALYST),
    # What changed, live: public data (new reviews); alert events only reach managers (of
    # their hotels), analysts and admins (events.records.EventFilter).
    "GET /api/v1/events": PUBLIC_READ,
}


def allows(
    policy: Policy, roles: frozenset[str], *, authenticated: bool, anonymous_reads: bool
) -> bool:
    if policy.public or (policy.anonymous_read and anonymous_reads):
        return True
    if not authenticated:
        return False
    return policy.signed_in or bool(policy.roles & roles)
