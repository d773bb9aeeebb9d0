"""Uploads stored in S3 (HOTELREVIEWS_UPLOAD_S3_URI), against moto's server over real HTTP:
one PUT or a multipart upload, completed only once the whole body arrived, aborted when it
does not; queued once, ingested by the worker."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.factory import create_app
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.service import poll_sources
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.uploads.s3_store import PART_BYTES
from tests.support.api_client import api_client, get_json
from tests.support.feeds import write_mixed_feed
from tests.support.s3_server import S3Server, bucket_fixture, s3_server_fixture  # noqa: F401
from tests.support.workers import jobs_by_id, quick_worker_settings

URL = "/api/v1/uploads"
NDJSON = {"Content-Type": "application/x-ndjson"}
MAX_BYTES = 3 * PART_BYTES


@pytest.fixture
def s3_upload_settings(settings: Settings, s3_server: S3Server, bucket: str) -> Settings:
    return quick_worker_settings(
        settings,
        f"s3://{bucket}/",  # the worker polls the whole bucket, uploads folder included
        s3_endpoint_url=s3_server.endpoint_url,
        upload_s3_uri=f"s3://{bucket}/uploads",
        upload_max_bytes=MAX_BYTES,
    )


@pytest.fixture
async def client(s3_upload_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(s3_upload_settings, roles=["ingest"]) as client:
        yield client


def objects(s3_server: S3Server, bucket: str) -> list[dict[str, Any]]:
    return s3_server.client().list_objects_v2(Bucket=bucket).get("Contents", [])


def unfinished_uploads(s3_server: S3Server, bucket: str) -> list[Any]:
    return s3_server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])


async def test_an_upload_is_put_under_the_prefix_queued_once_and_ingested(
    client: httpx.AsyncClient,
    s3_upload_settings: Settings,
    s3_server: S3Server,
    bucket: str,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    write_mixed_feed(tmp_path / "feed.jl", lines=200)
    content = (tmp_path / "feed.jl").read_bytes()

    response = await client.post(
        URL, params={"name": "agoda_2025-03-20.jl"}, content=content, headers=NDJSON
    )

    assert response.status_code == 202, response.text
    [stored] = objects(s3_server, bucket)
    assert stored["Key"].startswith("uploads/") and stored["Key"].endswith("-agoda_2025-03-20.jl")
    assert response.json()["source_uri"] == f"s3://{bucket}/{stored['Key']}"
    # The worker polls the bucket: the upload is not queued a second time.
    assert await poll_sources(engine=engine, settings=s3_upload_settings) == 0
    await Worker(engine=engine, settings=s3_upload_settings).run(once=True)
    done = await get_json(client, response.headers["location"])
    assert (done["status"], done["counts"]["new"] > 0) == ("succeeded", True)
    assert len(await jobs_by_id(engine)) == 1


async def test_a_body_of_several_parts_is_one_object_once_complete(
    client: httpx.AsyncClient, s3_server: S3Server, bucket: str
) -> None:
    line = b'{"id": 1, "hotel_id": 1}\n'
    content = line * (PART_BYTES * 2 // len(line) + 1)  # three parts, the last one small

    response = await client.post(URL, params={"name": "big.jl"}, content=content, headers=NDJSON)

    assert response.status_code == 202, response.text
    [stored] = objects(s3_server, bucket)
    body = s3_server.client().get_object(Bucket=bucket, Key=stored["Key"])["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(content).digest()
    assert unfinished_uploads(s3_server, bucket) == []


async def test_a_body_over_the_cap_aborts_its_multipart_upload(
    client: httpx.AsyncClient, s3_server: S3Server, bucket: str, engine: AsyncEngine
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # chunked: parts are sent before the cap
        for _ in range(MAX_BYTES // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)

    response = await client.post(URL, params={"name": "big.jl"}, content=chunks(), headers=NDJSON)

    assert response.status_code == 413, response.text
    assert objects(s3_server, bucket) == []
    assert unfinished_uploads(s3_server, bucket) == []
    assert await jobs_by_id(engine) == {}


def test_an_uploads_bucket_the_worker_may_not_read_is_refused_at_start(tmp_path: Path) -> None:
    settings = Settings(
        environment="test", data_dir=tmp_path, upload_s3_uri="s3://elsewhere/uploads/"
    )
    with pytest.raises(ValueError, match="HOTELREVIEWS_SOURCE_ALLOWED_S3"):
        create_app(settings)
