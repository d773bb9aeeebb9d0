"""The OpenAPI schema documents the problems the guards in front of every route answer with."""

from __future__ import annotations

from pathlib import Path

from hotelreviews.app.factory import API_PREFIX, create_app
from hotelreviews.core.settings import Settings
from hotelreviews.protection.rules import EXEMPT_PATHS
from hotelreviews.security.policies import POLICIES


def test_schema_documents_what_the_guards_answer(tmp_path: Path) -> None:
    """401/403/429 come from the policy check and the rate limits, before any handler: the
    schema declares them by policy and path (app.guard_responses), or clients and
    schemathesis meet undocumented statuses."""
    app = create_app(Settings(environment="test", data_dir=tmp_path))
    paths = app.openapi()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            policy = POLICIES[f"{method.upper()} {path}"]
            documented = set(operation["responses"])
            label = f"{method.upper()} {path}"
            assert ("401" in documented) == (not policy.public) or path.startswith(
                f"{API_PREFIX}/auth/"
            ), label
            assert ("403" in documented) == bool(policy.roles and not policy.public), label
            assert ("429" in documented) == (path not in EXEMPT_PATHS), label
            for status in documented & {"401", "403", "429"}:
                content = operation["responses"][status]["content"]
                assert set(content) == {"application/problem+json"}, label
    assert "401" not in paths["/livez"]["get"]["responses"]
    assert "401" in paths[f"{API_PREFIX}/auth/login"]["post"]["responses"]
    assert "403" in paths[f"{API_PREFIX}/ingestions"]["post"]["responses"]
