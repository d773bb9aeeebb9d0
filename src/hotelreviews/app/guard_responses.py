"""The problems the guards in front of every route answer with, added to the OpenAPI schema.

Route handlers document their own problems (404, 422, ...) with `responses=`. The size
limits, the policy check (security.http) and the rate limits (protection/) run before any
handler, so what they answer depends on the route's policy and path, not its code: they are
documented here, from the same policy table, limits and exemptions the guards use, for every
operation at once. Any request may be too large (a URL, headers, or a body: a GET may carry
one too), so 413, 414 and 431 are documented everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from hotelreviews.security.policies import Policy

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem(description: str, problem_media_type: str) -> dict[str, Any]:
    return {"description": description, "content": {problem_media_type: {"schema": _PROBLEM_REF}}}


def add_guard_responses(
    schema: dict[str, Any],
    *,
    policies: Mapping[str, Policy],
    rate_exempt_paths: Set[str],
    problem_media_type: str,
    size_limits: Mapping[str, Any],
) -> None:
    """Add 413/414/431 (size limits), 401/403 (by the operation's policy, looked up by
    operationId = route name) and 429 (rate-limited paths) to every operation that does not
    document them already."""
    for path, operations in schema.get("paths", {}).items():
        body_limit = size_limits["max_body_bytes"]
        for prefix, limit, _advice in size_limits["body_limits"]:
            if path.startswith(prefix):
                body_limit = limit
                break
        sizes = {
            "413": f"The body is larger than {body_limit} bytes",
            "414": f"The URL is longer than {size_limits['max_url_bytes']} bytes",
            "431": f"The headers are larger than {size_limits['max_header_bytes']} bytes",
        }
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in sizes.items():
                responses.setdefault(status, _problem(description, problem_media_type))
            policy = policies.get(operation.get("operationId", ""))
            if policy is not None and not policy.public:
                # No credentials (when required), or a bad API key or token (always checked).
                responses.setdefault(
                    "401",
                    _problem("Missing or invalid credentials", problem_media_type),
                )
                if policy.roles:
                    responses.setdefault(
                        "403",
                        _problem("The caller's roles do not allow this route", problem_media_type),
                    )
            if path not in rate_exempt_paths:
                responses.setdefault(
                    "429", _problem("Rate limit reached; see Retry-After", problem_media_type)
                )
