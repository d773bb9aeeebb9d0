"""/metrics on the app in one process (no PROMETHEUS_MULTIPROC_DIR, as `make run` serves it):
the text format with the contract's metrics, the optional bearer token, never rate limited,
out of the OpenAPI schema, absent when metrics are off; rate-limit refusals counted by rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from hotelreviews import __version__
from hotelreviews.core.settings import Settings
from hotelreviews.observability.metrics import HTTP_LATENCY_BUCKETS
from tests.support.api_client import api_client
from tests.support.metrics import Snapshot

REJECTIONS = "hotelreviews_rate_limit_rejections_total"


@pytest.fixture
def local(tmp_path: Path) -> Settings:
    """The embedded database in a fresh directory (migrated by the app's start-up)."""
    return Settings(environment="test", data_dir=tmp_path, cache_enabled=False)


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {
        family.name: [(dict(s.labels), s.value) for s in family.samples]
        for family in text_string_to_metric_families(text)
    }


async def test_metrics_are_served_in_the_prometheus_text_format(local: Settings) -> None:
    async with api_client(local.model_copy(update={"region": "eu-west-1"})) as client:
        assert (await client.get("/api/v1/providers")).status_code == 200
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = families(response.text)
    build = found["hotelreviews_build_info"]
    assert any(
        labels["version"] == __version__ and labels["region"] == "eu-west-1" and value == 1
        for labels, value in build
    )
    for name in (
        "hotelreviews_http_request_duration_seconds",
        "hotelreviews_db_query_duration_seconds",
        "hotelreviews_db_pool_connections",
        "hotelreviews_cache_lookups",
        "hotelreviews_cache_errors",
        "hotelreviews_cache_singleflight_waits",
        "hotelreviews_ingest_batch_duration_seconds",
        "hotelreviews_jobs_oldest_queued_age_seconds",
        "hotelreviews_jobs_dead_lettered",
    ):
        assert name in found, name
    # The providers read above: counted under its route template, in a bucket at 0.2 s.
    buckets = {
        labels["le"]
        for labels, _ in found["hotelreviews_http_request_duration_seconds"]
        if labels.get("route") == "/api/v1/providers" and "le" in labels
    }
    assert "0.2" in buckets and len(buckets) == len(HTTP_LATENCY_BUCKETS) + 1
    assert not any(name.endswith("_created") for name in found)


async def test_with_a_bearer_token_metrics_answer_only_requests_carrying_it(
    local: Settings,
) -> None:
    protected = local.model_copy(update={"metrics_bearer_token": SecretStr("s3cret")})
    async with api_client(protected) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer s3cre"})
        other_scheme = await client.get("/metrics", headers={"Authorization": "Basic s3cret"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret"})

    for refused in (anonymous, wrong, other_scheme):
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "metrics_token_required"
        assert "s3cret" not in refused.text
    assert right.status_code == 200 and "hotelreviews_build_info" in right.text


async def test_metrics_are_not_in_the_openapi_schema(local: Settings) -> None:
    async with api_client(local) as client:
        schema = (await client.get("/openapi.json")).json()
    assert "/metrics" not in schema["paths"]


async def test_without_metrics_there_is_no_metrics_route(local: Settings) -> None:
    async with api_client(local.model_copy(update={"metrics_enabled": False})) as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_scrapes_are_never_rate_limited_and_refusals_are_counted_by_rule(
    local: Settings,
) -> None:
    limited = local.model_copy(
        update={"rate_limit_default": "2/minute", "rate_limit_search": "1/minute"}
    )
    before = Snapshot()
    async with api_client(limited) as client:
        scrapes = [(await client.get("/metrics")).status_code for _ in range(5)]
        reads = [(await client.get("/api/v1/providers")).status_code for _ in range(3)]
        searches = [
            (await client.get("/api/v1/reviews/search", params={"q": "clean"})).status_code
            for _ in range(2)
        ]

    assert scrapes == [200] * 5
    assert reads == [200, 200, 429] and searches == [200, 429]
    assert before.increase(REJECTIONS, rule="default") == 1
    assert before.increase(REJECTIONS, rule="search") == 1


async def test_refusals_of_the_per_identity_limit_are_counted_as_identity(
    local: Settings,
) -> None:
    limited = local.model_copy(
        update={"rate_limit_identity": "1/minute", "rate_limit_default": "1000/minute"}
    )
    before = Snapshot()
    async with api_client(limited, roles=["analyst"]) as client:
        statuses = [(await client.get("/api/v1/providers")).status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert before.increase(REJECTIONS, rule="identity") == 1
    assert before.increase(REJECTIONS, rule="default") == 0
