"""Schemathesis against the live app's own OpenAPI schema: every phase, as every identity.

The app runs with its lifespan (databases, migrations) over ASGI; schemathesis loads
/openapi.json from it and runs its engine (what `schemathesis run` runs) with all four
testing phases: examples, coverage (boundary and invalid values, unexpected methods),
fuzzing and stateful (sequences of calls linked by the values responses return). It runs
anonymously and with an API key of each role, and every response must pass every check:
no 5xx, a status code, content type, headers and body the schema declares for the
operation, invalid requests refused and valid ones accepted, Allow headers that match the
schema. Two refusals are the design, not a defect, and are told to schemathesis:

- 413, 414 and 431 (the size limits, documented on every operation) are refusals of
  invalid data as much as a 422 is: schemathesis's list of rejection statuses lacks them;
- three refusals of well-formed values no schema can foresee, by their problem code only: a
  cursor is an opaque token the API issued, and the schema states its shape (unpadded
  base64url) but cannot state which strings of that shape were issued (422 invalid_cursor,
  tests/integration/test_finding_06_crafted_cursor.py); which ingestion sources are
  accepted is the deployment's configuration (worker folders, allowed hosts and buckets:
  422 invalid_source_uri); and an Idempotency-Key is single-use, so the schema's example
  key, sent again with another request (an upload, a source the uploads made valid), is
  refused as the design says (422 idempotency_key_reused).

And one limit of schemathesis is worked around: it draws header values from letters and
digits only, so it cannot write an X-Consistency-Token (`0/16B3748`) and puts "0" in its
place in requests it means to be valid; that header is left out of those requests.

Rate limiting is off (HOTELREVIEWS_RATE_LIMIT_ENABLED=false): thousands of requests from one
client would otherwise meet 429s, which test_api_protection.py covers (failed logins may
still meet the login lockout's 429, which the schema documents). Each identity's run is
bounded in time (RUN_SECONDS: the fuzzing and stateful phases draw new cases until then);
the request and status totals are printed (run with `-s` to see them).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import schemathesis
import sqlalchemy as sa
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from schemathesis.transport.asgi import ASGI_TRANSPORT
from schemathesis.transport.requests import REQUESTS_TRANSPORT
from schemathesis.transport.wsgi import WSGI_TRANSPORT
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.deps import LSN_PATTERN
from hotelreviews.api.reads import CONSISTENCY_TOKEN_HEADER
from hotelreviews.app.factory import create_app
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.uploads.names import MEDIA_TYPES as UPLOAD_MEDIA_TYPES
from hotelreviews.intelligence.flags.tables import review_flags
from hotelreviews.intelligence.runner import catch_up
from hotelreviews.security import service as security_service
from hotelreviews.security.authn import API_KEY_HEADER
from hotelreviews.security.roles import ROLES
from tests.support.builders import Catalog

PHASES = ["examples", "coverage", "fuzzing", "stateful"]
IDENTITIES = ["anonymous", *sorted(ROLES)]
# Per identity: with five identities, about two minutes per backend on a small machine.
RUN_SECONDS = 20
# Cases per operation and phase within a cycle: small, so that each phase gets its turn
# (and then another) within RUN_SECONDS.
EXAMPLES_PER_OPERATION = 10
# Refusals of invalid requests, beyond schemathesis's default list (400, 401, 403, 404, 405,
# 406, 409, 415, 422, 428, 429, 5xx): the size limits.
REJECTION_STATUSES = [
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "409",
    "413",
    "414",
    "415",
    "422",
    "428",
    "429",
    "431",
    "5xx",
]
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def key_headers(engine: AsyncEngine, settings: Settings) -> dict[str, dict[str, str]]:
    """Real rows to find (hotels, reviews, ingestions, scored by the intelligence runner: the
    reviewer "Anna" is the for-reviewer route's example) and one API key per role."""
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda", key="332")
    feed = await catalog.provider("Group feed", key="feed:group", rating_scale=5.0)
    hotels = [
        await catalog.hotel("Sea View", city="Singapore"),
        await catalog.hotel("Old Town Inn", city="Singapore"),
    ]
    first, copy = [
        await catalog.review(
            hotel, agoda, rating=8.0, review_date=T0, reviewer_name="Anna", traveller_type="solo"
        )
        for hotel in hotels
    ]
    await catalog.review(hotels[0], feed, rating=4.0, rating_scale=5.0, review_date=T0)
    await catalog.refresh_summaries()
    # The runner first (similar hotels and recommendations need its inputs), then a flag of
    # our own, so that responses with flags are checked against the schema too.
    await catch_up(engine=engine, settings=settings)
    async with write_transaction(engine) as connection:
        await connection.execute(
            sa.insert(review_flags).values(
                review_id=copy,
                kind="near_duplicate",
                hotel_id=hotels[1],
                matches=[first],
                similarity=0.9,
                message="Near-identical.",
                flagged_at=T0,
            )  # fmt: skip
        )
    await catalog.ingestion(display_name="feed.jl")
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in sorted(ROLES):
        _, secret = await security_service.create_api_key(
            engine=engine, name=f"fuzz {role}", roles=frozenset({role})
        )
        headers[role] = {API_KEY_HEADER: secret}
    return headers


def _config(headers: dict[str, str]) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 12,
            "max-time": RUN_SECONDS,
            "max-failures": 200,
            "headers": headers,
            "phases": {name: {"enabled": True} for name in PHASES},
            "generation": {"max-examples": EXAMPLES_PER_OPERATION, "database": "none"},
            "checks": {
                "enabled": True,
                "negative_data_rejection": {"expected-statuses": REJECTION_STATUSES},
            },
        }
    )


# Problem codes of refusals no schema can foresee (see the module docstring).
UNFORESEEABLE = frozenset({"invalid_cursor", "invalid_source_uri", "idempotency_key_reused"})


def _unforeseeable(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """filter_failure hook: False (drop it) for a valid-looking request refused as above."""
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 422:
        return True
    try:
        problem = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return True
    return not (isinstance(problem, dict) and problem.get("code") in UNFORESEEABLE)


def _no_undrawable_token(context: Any, case: Any, kwargs: Any) -> None:
    """before_call hook: a token schemathesis could not draw is not sent as a valid one."""
    headers = case.headers or {}
    token = headers.get(CONSISTENCY_TOKEN_HEADER)
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and token is not None and not re.fullmatch(LSN_PATTERN, str(token)):
        del headers[CONSISTENCY_TOKEN_HEADER]


def test_all_phases_as_every_identity(
    settings: Settings, key_headers: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    # schemathesis' ASGI client names the host "testserver" (schemathesis.python.asgi.HOST);
    # a folder the worker polls, so that uploads (stored in it) are accepted.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    app = create_app(
        settings.model_copy(
            update={
                "rate_limit_enabled": False,
                "allowed_hosts": ["testserver"],
                "worker_sources": [str(inbox)],
            }
        )
    )
    failures: list[str] = []
    phases: set[str] = set()
    requests: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    # before_call hooks are process-wide only: registered for this test, and removed.
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(_no_undrawable_token, "before_call")
    # An upload's body is the file's bytes as they are, whatever its media type says.
    schemathesis.serializer.alias(list(UPLOAD_MEDIA_TYPES), "application/octet-stream")
    try:
        _run(app, key_headers, failures, phases, requests, statuses)
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(_no_undrawable_token)
        for transport in (ASGI_TRANSPORT, REQUESTS_TRANSPORT, WSGI_TRANSPORT):
            transport.unregister_serializer(*UPLOAD_MEDIA_TYPES)
    total = sum(requests.values())
    print(
        f"\nschemathesis: {total} requests ({dict(requests)}); phases {sorted(phases)}; "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert not failures, "\n".join(failures)
    assert set(requests) == set(IDENTITIES)
    assert set(PHASES) <= phases
    # The keys worked: some role got past authentication somewhere, anonymous was refused.
    assert statuses[200] > 0 and statuses[401] > 0


def _run(
    app: Any,
    key_headers: dict[str, dict[str, str]],
    failures: list[str],
    phases: set[str],
    requests: Counter[str],
    statuses: Counter[int],
) -> None:
    for identity in IDENTITIES:
        # One app (its lifespan runs once, ended when this test tears down), a schema each.
        schema = schemathesis.openapi.from_asgi(
            "/openapi.json", app, config=_config(key_headers[identity])
        )
        schema.hooks.register_hook_with_name(_unforeseeable, "filter_failure")
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                phases.add(str(event.phase))
                for interaction in event.recorder.interactions.values():
                    if interaction.response is not None:
                        requests[identity] += 1
                        statuses[interaction.response.status_code] += 1
                for case_id, checks in event.recorder.checks.items():
                    for check in checks:
                        if check.failure_info is not None:
                            failures.append(_describe(identity, event, case_id, check))
            elif isinstance(event, events.NonFatalError | events.FatalError):
                failures.append(f"{identity}: {event!r}")


def _describe(identity: str, event: Any, case_id: str, check: Any) -> str:
    failure = check.failure_info.failure
    interaction = event.recorder.interactions.get(case_id)
    answer = ""
    if interaction is not None and interaction.response is not None:
        answer = f" -> {interaction.response.status_code} {interaction.response.content[:300]!r}"
    return (
        f"{identity} [{event.phase}] {event.recorder.label}: {check.name}: "
        f"{getattr(failure, 'title', '')} {getattr(failure, 'message', '')}\n"
        f"    {check.failure_info.code_sample[:600]}{answer}"
    )
