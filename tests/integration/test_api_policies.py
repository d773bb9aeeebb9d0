"""Every route of the app has a declared policy, and each role can do exactly its operations.

The expected table below is written out by hand, apart from security.policies, so that a
change to a policy must be made (and seen) in both places.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hotelreviews.app.factory import create_app
from hotelreviews.core.settings import Settings
from hotelreviews.security.http import app_routes
from hotelreviews.security.policies import POLICIES, require
from hotelreviews.security.roles import ADMIN
from tests.support.api_client import api_client, api_key_headers

IDENTITIES = ("anonymous", "admin", "manager", "analyst", "ingest")
EVERYONE = set(IDENTITIES)
SIGNED_IN = EVERYONE - {"anonymous"}

# route -> (a small valid request: body or None, who may call it)
EXPECTED: dict[str, tuple[dict[str, Any] | None, set[str]]] = {
    "GET /livez": (None, EVERYONE),
    "GET /readyz": (None, EVERYONE),
    "GET /health/primary": (None, EVERYONE),
    "GET /health/deep": (None, {"admin"}),
    "GET /metrics": (None, EVERYONE),  # its bearer token, when configured, is its own check
    "GET /openapi.json": (None, EVERYONE),
    "GET /docs": (None, EVERYONE),
    "GET /docs/oauth2-redirect": (None, EVERYONE),
    "GET /redoc": (None, EVERYONE),
    "GET /": (None, EVERYONE),  # the Explorer (web pages)
    "GET /hotels/{hotel_id}": (None, EVERYONE),
    "GET /search": (None, EVERYONE),
    "GET /assets/{name}": (None, EVERYONE),
    "GET /login": (None, EVERYONE),
    "GET /manage": (None, EVERYONE),  # the dashboard's data is the API's, under its policies
    "GET /operations": (None, EVERYONE),  # likewise the operations console's
    "GET /operations/ingestions/{ingestion_id}": (None, EVERYONE),
    # The pages' sessions: refused without the pages' header (cross_site_request, not a
    # policy's denial), their credential in the body or the cookie.
    "POST /web/session": ({"username": "nobody", "password": "not it"}, EVERYONE),
    "POST /web/session/refresh": (None, EVERYONE),
    "DELETE /web/session": (None, EVERYONE),
    "POST /api/v1/auth/login": ({"username": "nobody", "password": "not it"}, EVERYONE),
    "POST /api/v1/auth/refresh": ({"refresh_token": "unknown"}, EVERYONE),
    "POST /api/v1/auth/logout": ({"refresh_token": "unknown"}, EVERYONE),
    "GET /api/v1/auth/me": (None, SIGNED_IN),
    "GET /api/v1/hotels": (None, EVERYONE),
    "GET /api/v1/hotels/{hotel_id}": (None, EVERYONE),
    "GET /api/v1/hotels/{hotel_id}/reviews": (None, EVERYONE),
    "GET /api/v1/hotels/{hotel_id}/trend": (None, EVERYONE),
    "GET /api/v1/hotels/{hotel_id}/reputation": (None, EVERYONE),
    "GET /api/v1/hotels/{hotel_id}/competitive-set": (None, EVERYONE),
    "GET /api/v1/hotels/{hotel_id}/aspect-samples": (None, EVERYONE),
    "GET /api/v1/hotels/{hotel_id}/similar": (None, EVERYONE),
    "GET /api/v1/recommendations": (None, EVERYONE),
    "GET /api/v1/recommendations/traveller-types": (None, EVERYONE),
    "GET /api/v1/recommendations/for-reviewer": (None, EVERYONE),
    "GET /api/v1/reviews/search": (None, EVERYONE),
    "GET /api/v1/reviews/{review_id}": (None, EVERYONE),
    "GET /api/v1/providers": (None, EVERYONE),
    "POST /api/v1/ingestions": ({"source_uri": "https://feeds.example/a.jl"}, {"admin", "ingest"}),
    # No file sent: allowed callers get 415, the others 401/403 before any body is read.
    "POST /api/v1/uploads": (None, {"admin", "ingest"}),
    "GET /api/v1/ingestions": (None, {"admin", "analyst", "ingest"}),
    "GET /api/v1/ingestions/{ingestion_id}": (None, {"admin", "analyst", "ingest"}),
    "GET /api/v1/ingestions/{ingestion_id}/rejected-lines": (
        None,
        {"admin", "analyst", "ingest"},
    ),
    "GET /api/v1/audit-events": (None, {"admin"}),
    "GET /api/v1/alerts": (None, {"admin", "manager", "analyst"}),
    # Admitted: alert 1 does not exist (404), which is not a denial.
    "PATCH /api/v1/alerts/{alert_id}": ({"status": "resolved"}, {"admin", "manager", "analyst"}),
    "GET /api/v1/events": (None, EVERYONE),
}
QUERIES = {
    "/api/v1/reviews/search": {"q": "clean"},
    "/api/v1/recommendations": {"city": "Singapore"},
    "/api/v1/recommendations/for-reviewer": {"name": "Anna"},
}
DENIED = {"authentication_required", "forbidden"}


def test_every_route_of_the_app_has_a_declared_policy_and_an_expectation(tmp_path: Any) -> None:
    app = create_app(Settings(environment="test", data_dir=tmp_path))
    routes = {f"{method} {path}" for method, path, _ in app_routes(app)}

    assert routes - POLICIES.keys() == set(), "routes without a policy"
    assert routes == EXPECTED.keys(), "routes and the expected table differ"
    assert POLICIES.keys() == EXPECTED.keys(), "policies for routes that do not exist"


def test_an_app_with_an_undeclared_route_refuses_to_build(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(POLICIES, "GET /api/v1/providers")
    with pytest.raises(RuntimeError, match="GET /api/v1/providers"):
        create_app(Settings(environment="test", data_dir=tmp_path))


def test_a_route_that_runs_no_dependencies_must_be_declared_public(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICIES, "GET /docs", require(ADMIN))
    with pytest.raises(RuntimeError, match="/docs cannot enforce"):
        create_app(Settings(environment="test", data_dir=tmp_path))


@pytest.fixture
async def clients(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, dict[str, str]]]]:
    async with api_client(settings) as client:
        headers = {"anonymous": {}}
        for role in IDENTITIES[1:]:
            headers[role] = await api_key_headers(client, role)
        yield client, headers


def _url(path: str) -> str:
    for name in ("hotel_id", "review_id", "ingestion_id", "alert_id"):
        path = path.replace("{" + name + "}", "1")
    return path


async def test_each_role_can_do_exactly_its_operations_on_every_route(
    clients: tuple[httpx.AsyncClient, dict[str, dict[str, str]]],
) -> None:
    client, headers = clients
    outcomes: dict[tuple[str, str], bool] = {}
    for route, (body, _allowed) in EXPECTED.items():
        method, path = route.split(" ", 1)
        for identity in IDENTITIES:
            response = await client.request(
                method,
                _url(path),
                json=body,
                params=QUERIES.get(path),
                headers=headers[identity],
            )
            code = (
                response.json().get("code")
                if response.headers.get("content-type", "").endswith("problem+json")
                else None
            )
            denied = code in DENIED
            if denied:
                assert response.status_code == (401 if identity == "anonymous" else 403)
            else:
                assert response.status_code < 500, (route, identity, response.text)
            outcomes[route, identity] = not denied
    expected = {
        (route, identity): identity in allowed
        for route, (_, allowed) in EXPECTED.items()
        for identity in IDENTITIES
    }
    wrong = {key: allowed for key, allowed in outcomes.items() if allowed != expected[key]}
    assert wrong == {}, "(route, identity): allowed — differs from the expected table"


async def test_with_anonymous_reads_off_every_read_needs_an_identity(settings: Settings) -> None:
    closed = settings.model_copy(update={"anonymous_reads": False})
    async with api_client(closed) as client:
        analyst = await api_key_headers(client, "analyst")
        for route, (_body, allowed) in EXPECTED.items():
            method, path = route.split(" ", 1)
            if method != "GET" or not path.startswith("/api/v1/") or "anonymous" not in allowed:
                continue
            anonymous = await client.get(_url(path), params=QUERIES.get(path))
            signed = await client.get(_url(path), params=QUERIES.get(path), headers=analyst)
            assert anonymous.status_code == 401, route
            assert signed.status_code in (200, 404), route
