"""POST /api/v1/ingestions (with Idempotency-Key) and an ingestion's progress through the API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.reads import CONSISTENCY_TOKEN_HEADER
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.runs.schemas import IngestionRead
from hotelreviews.ingestion.writing.service import ingest_file
from tests.support.api_client import api_client, get_json
from tests.support.feeds import write_mixed_feed
from tests.support.workers import jobs_by_id, quick_worker_settings

URL = "/api/v1/ingestions"


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    return folder


@pytest.fixture
def feed(feeds: Path) -> Path:
    path = feeds / "mixed_2025-03-20.jl"
    write_mixed_feed(path, lines=1200)  # three batches of 500
    return path


@pytest.fixture
def queue_settings(settings: Settings, feeds: Path) -> Settings:
    return quick_worker_settings(settings, feeds)


@pytest.fixture
async def client(queue_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(queue_settings, roles=["admin"]) as client:
        yield client


async def post(
    client: httpx.AsyncClient, body: Any, key: str | None = None, status: int = 202
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    response = await client.post(URL, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response


async def test_a_posted_source_is_queued_with_its_location(
    client: httpx.AsyncClient, feed: Path, engine: AsyncEngine, queue_settings: Settings
) -> None:
    response = await post(client, {"source_uri": str(feed)})

    body = response.json()
    IngestionRead.model_validate(body)
    assert response.headers["location"] == f"{URL}/{body['id']}"
    assert "idempotent-replayed" not in response.headers
    assert (body["status"], body["source_uri"], body["display_name"]) == (
        "queued",
        feed.as_uri(),
        str(feed),
    )
    assert (body["size_bytes"], body["checksum"], body["started_at"]) == (None, None, None)
    assert body["progress"] == {"lines_done": 0, "bytes_done": 0, "bytes_total": None}
    job = body["job"]
    assert (job["attempts"], job["max_attempts"], job["worker"], job["run_id"]) == (
        0,
        5,
        None,
        None,
    )
    assert job["next_attempt_at"] is not None and job["queued_at"] is not None
    if queue_settings.is_embedded:
        assert "x-consistency-token" not in response.headers
    else:  # the write's WAL position: reads presenting it see the new ingestion
        assert response.headers["x-consistency-token"]
    assert await get_json(client, response.headers["location"]) == body
    listed = await get_json(client, URL)
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert list(await jobs_by_id(engine)) == [body["id"]]


async def test_a_queued_ingestion_is_acknowledged_when_the_primary_goes_away_after_its_commit(
    client: httpx.AsyncClient, feed: Path, engine: AsyncEngine, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the consistency token is PostgreSQL's WAL position")
    primary = client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]

    def primary_gone(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The connection breaks right after the commit, when the token is asked for.
        if "pg_current_wal_insert_lsn" in statement:
            raise ConnectionResetError("the primary went away")

    event.listen(primary.sync_engine, "before_cursor_execute", primary_gone)
    try:
        response = await post(client, {"source_uri": str(feed)}, key="after-commit")
    finally:
        event.remove(primary.sync_engine, "before_cursor_execute", primary_gone)
    # Acknowledged (not a 503 that would make a client without a key send it again), with
    # the ingestion as committed, only without a token.
    assert CONSISTENCY_TOKEN_HEADER not in response.headers
    queued = response.json()
    assert queued["status"] == "queued" and queued["source_uri"].endswith(feed.name)
    assert queued["id"] in await jobs_by_id(engine)


async def test_a_repeated_idempotency_key_returns_the_first_ingestion(
    client: httpx.AsyncClient, feed: Path, engine: AsyncEngine
) -> None:
    first = await post(client, {"source_uri": str(feed)}, key="b6c1a2e0-upload-7")
    # The same request again, spelled as a file URI, the key as a structured-field string.
    again = await post(client, {"source_uri": feed.as_uri()}, key='"b6c1a2e0-upload-7"')

    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    other = await post(client, {"source_uri": str(feed)}, key="another-key")
    assert other.json()["id"] != first.json()["id"]
    assert len(await jobs_by_id(engine)) == 2


async def test_an_idempotency_key_reused_for_another_body_is_refused(
    client: httpx.AsyncClient, feed: Path, feeds: Path, engine: AsyncEngine
) -> None:
    first = await post(client, {"source_uri": str(feed)}, key="upload-1")
    other = feeds / "other.jl"
    response = await post(client, {"source_uri": str(other)}, key="upload-1", status=422)

    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "idempotency_key_reused"
    assert f"ingestion {first.json()['id']}" in problem["detail"]
    assert problem["errors"] == [{"field": "header.idempotency-key", "message": problem["detail"]}]
    assert len(await jobs_by_id(engine)) == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "clé"])
async def test_malformed_idempotency_keys_are_refused(
    client: httpx.AsyncClient, feed: Path, key: str
) -> None:
    response = await client.post(
        URL, json={"source_uri": str(feed)}, headers={"Idempotency-Key": key.encode()}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [error["field"] for error in problem["errors"]] == ["header.Idempotency-Key"]


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"source_uri": "/etc/passwd"}, "invalid_source_uri", "is not under a folder the worker"),
        ({"source_uri": "relative/feed.jl"}, "invalid_source_uri", "neither a URI nor an absolute"),
        ({"source_uri": "http://example.com/a.jl"}, "invalid_source_uri", "use https://"),
        ({"source_uri": "s3://bucket/feeds/"}, "invalid_source_uri", "is a prefix"),
        ({"source_uri": "gs://bucket/a.jl"}, "invalid_source_uri", "unsupported scheme gs://"),
        ({"source_uri": ""}, "validation_failed", "at least 1 character"),
        ({"source_uri": "s3://b/" + "k" * 2048}, "validation_failed", "at most 2048"),
        ({}, "validation_failed", "Field required"),
        ({"source_uri": "s3://bucket/a.jl", "force": True}, "validation_failed", "Extra inputs"),
    ],
)
async def test_bad_sources_are_422_problems_naming_the_field(
    client: httpx.AsyncClient, engine: AsyncEngine, body: dict, code: str, message: str
) -> None:
    response = await post(client, body, status=422)
    problem = response.json()
    assert problem["code"] == code
    assert any(message in error["message"] for error in problem["errors"]), problem
    assert problem["errors"][0]["field"].startswith("body")
    assert await jobs_by_id(engine) == {}


async def test_progress_shows_while_a_worker_runs_it_then_the_final_counts(
    client: httpx.AsyncClient, feed: Path, engine: AsyncEngine, queue_settings: Settings
) -> None:
    ingestion_id = (await post(client, {"source_uri": str(feed)})).json()["id"]
    second_batch, resume = asyncio.Event(), asyncio.Event()

    async def ingest_pausing_before_the_second_batch(**arguments: Any) -> Any:
        fence = arguments["in_batch"]

        async def pausing(connection: Any, run_id: int, batch: Any) -> None:
            if batch.last_line > 500 and not resume.is_set():
                second_batch.set()
                await resume.wait()
            await fence(connection, run_id, batch)

        return await ingest_file(**{**arguments, "in_batch": pausing})

    worker = Worker(
        engine=engine,
        settings=queue_settings,
        name="worker-7",
        ingest=ingest_pausing_before_the_second_batch,
    )
    running = asyncio.create_task(worker.run(once=True))
    await asyncio.wait_for(second_batch.wait(), timeout=120)
    try:
        during = await get_json(client, f"{URL}/{ingestion_id}")
    finally:
        resume.set()
    await asyncio.wait_for(running, timeout=120)
    after = await get_json(client, f"{URL}/{ingestion_id}")

    size = len(await asyncio.to_thread(feed.read_bytes))
    assert during["status"] == "running" and during["job"]["worker"] == "worker-7"
    assert during["job"]["lease_expires_at"] is not None and during["started_at"] is not None
    assert during["progress"]["lines_done"] == during["counts"]["lines_done"] == 500
    assert 0 < during["progress"]["bytes_done"] <= during["progress"]["bytes_total"] == size
    assert (during["size_bytes"], during["finished_at"]) == (size, None)

    IngestionRead.model_validate(after)
    assert (after["status"], after["error"], after["job"]["attempts"]) == ("succeeded", None, 1)
    assert after["progress"] == {"lines_done": 1200, "bytes_done": size, "bytes_total": size}
    counts = after["counts"]
    assert counts["lines_done"] == 1200
    assert (
        counts["new"]
        + counts["updated"]
        + counts["unchanged"]
        + counts["rejected"]
        + counts["blank"]
        == 1200
    )
    assert counts["rejected"] > 0 and counts["updated"] > 0
    assert after["job"]["run_id"] == ingestion_id and after["finished_at"] is not None
    rejected = await get_json(
        client, f"{URL}/{ingestion_id}/rejected-lines", include_total="true", limit=100
    )
    assert rejected["total"] == counts["rejected"]


async def test_an_ingestion_is_never_served_from_the_response_cache(
    queue_settings: Settings, feed: Path, engine: AsyncEngine
) -> None:
    cached = queue_settings.model_copy(
        update={"cache_enabled": True, "cache_version_poll_seconds": 0.05}
    )
    async with api_client(cached, roles=["admin"]) as client:
        ingestion_id = (await post(client, {"source_uri": str(feed)})).json()["id"]
        before = await client.get(f"{URL}/{ingestion_id}")
        await Worker(engine=engine, settings=cached).run(once=True)
        after = await client.get(f"{URL}/{ingestion_id}")

    assert (before.json()["status"], after.json()["status"]) == ("queued", "succeeded")
    for response in (before, after):
        assert "etag" not in response.headers and "cache-control" not in response.headers
