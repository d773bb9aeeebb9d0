"""Schemathesis against the live app's own OpenAPI schema, as every identity.

The app runs with its lifespan (databases, migrations) over ASGI; schemathesis loads
/openapi.json from it and sends every operation a bounded, derandomized set of generated
requests, anonymously and with an API key of each role (public routes, which never look at
credentials, anonymously only). Every response must be no 5xx, carry a status code and
content type the schema declares for the operation, and match the schema of that response.
Rate limiting is off here (HOTELREVIEWS_RATE_LIMIT_ENABLED=false): a few hundred requests
from one client would otherwise meet 429s on search, which test_api_protection.py covers
(failed logins may still meet the login lockout's 429, which the schema documents).
The request total is printed (run with `-s` to see it).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.app import create_app
from hotelreviews.core.settings import Settings
from hotelreviews.security import service as security_service
from hotelreviews.security.authn import API_KEY_HEADER
from hotelreviews.security.policies import POLICIES
from hotelreviews.security.roles import ROLES
from tests.support.builders import Catalog

# Examples per operation and identity: enough to reach the edges of every parameter (empty,
# out of range, malformed cursors) while the whole test stays within seconds per backend.
EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
IDENTITIES = ["anonymous", *sorted(ROLES)]
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def key_headers(engine: AsyncEngine) -> dict[str, dict[str, str]]:
    """Real rows to find (hotels, reviews, ingestions) and one API key per role."""
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda", key="332")
    feed = await catalog.provider("Group feed", key="feed:group", rating_scale=5.0)
    hotels = [await catalog.hotel("Sea View"), await catalog.hotel("Old Town Inn")]
    for hotel in hotels:
        await catalog.review(hotel, agoda, rating=8.0, review_date=T0)
    await catalog.review(hotels[0], feed, rating=4.0, rating_scale=5.0, review_date=T0)
    await catalog.refresh_summaries()
    await catalog.ingestion(display_name="feed.jl")
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in sorted(ROLES):
        _, secret = await security_service.create_api_key(
            engine=engine, name=f"fuzz {role}", roles=frozenset({role})
        )
        headers[role] = {API_KEY_HEADER: secret}
    return headers


def test_every_operation_as_every_identity(
    settings: Settings, key_headers: dict[str, dict[str, str]]
) -> None:
    # schemathesis' ASGI client names the host "testserver" (schemathesis.python.asgi.HOST).
    app = create_app(
        settings.model_copy(update={"rate_limit_enabled": False, "allowed_hosts": ["testserver"]})
    )
    # The schemathesis pytest plugin ends the app's lifespan when this test tears down.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [operation.label for operation in operations]
    requests: Counter[str] = Counter()
    statuses: Counter[int] = Counter()

    def fuzz(operation: schemathesis.APIOperation, headers: dict[str, str], identity: str):
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            # Failures are reported as found: shrinking them costs more than it explains.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            requests[identity] += 1
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

        run()

    for operation in operations:
        # Public routes never look at credentials (security.http.enforce_policy): once,
        # anonymously, is enough, and it spares four more rounds of argon2 on login.
        public = POLICIES[f"{operation.method.upper()} {operation.path}"].public
        for identity in ["anonymous"] if public else IDENTITIES:
            fuzz(operation, key_headers[identity], identity)

    total = sum(requests.values())
    print(
        f"\nschemathesis: {total} requests over {len(operations)} operations "
        f"({dict(requests)}); statuses {dict(sorted(statuses.items()))}"
    )
    assert set(requests) == set(IDENTITIES)
    # The keys worked: some role got past authentication somewhere, anonymous was refused.
    assert statuses[200] > 0 and statuses[401] > 0
