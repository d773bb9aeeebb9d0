"""POST /api/v1/uploads: a file uploaded as the body, stored whole, queued once and
ingested by the worker; refusals that leave nothing stored and nothing queued."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import reviews
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.service import poll_sources
from hotelreviews.ingestion.queue.upload_location import UPLOADS_FOLDER
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.runs.schemas import IngestionRead
from hotelreviews.security import service as security_service
from hotelreviews.security.authn import API_KEY_HEADER
from tests.support.api_client import api_client, api_key_headers, get_json
from tests.support.event_streams import served
from tests.support.feeds import write_mixed_feed
from tests.support.workers import jobs_by_id, quick_worker_settings, wait_for

URL = "/api/v1/uploads"
NDJSON = {"Content-Type": "application/x-ndjson"}
MAX_BYTES = 1024 * 1024


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def feed_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "feed.jl"
    write_mixed_feed(path, lines=300)  # some new reviews, some broken lines
    return path.read_bytes()


@pytest.fixture
def upload_settings(settings: Settings, inbox: Path) -> Settings:
    return quick_worker_settings(settings, inbox, upload_max_bytes=MAX_BYTES)


@pytest.fixture
async def client(upload_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(upload_settings, roles=["ingest"]) as client:
        yield client


def stored_files(inbox: Path) -> list[Path]:
    """Every file under the uploads folder, part files included."""
    return sorted(path for path in (inbox / UPLOADS_FOLDER).rglob("*") if path.is_file())


async def upload(
    client: httpx.AsyncClient,
    content: bytes,
    *,
    name: str = "agoda_com_2025-03-20.jl",
    headers: dict[str, str] | None = None,
    status: int = 202,
) -> httpx.Response:
    response = await client.post(
        URL, params={"name": name}, content=content, headers={**NDJSON, **(headers or {})}
    )
    assert response.status_code == status, response.text
    return response


async def test_an_uploaded_file_is_queued_then_ingested_by_the_worker(
    client: httpx.AsyncClient,
    inbox: Path,
    feed_bytes: bytes,
    engine: AsyncEngine,
    upload_settings: Settings,
) -> None:
    response = await upload(client, feed_bytes)

    body = response.json()
    IngestionRead.model_validate(body)
    assert response.headers["location"] == f"/api/v1/ingestions/{body['id']}"
    [stored] = stored_files(inbox)
    assert stored.read_bytes() == feed_bytes
    # Stored under a unique, safe name ending in the given one; queued by its own URI.
    assert stored.name.endswith("-agoda_com_2025-03-20.jl")
    assert stored.parent.parent == inbox / UPLOADS_FOLDER
    assert (body["status"], body["source_uri"]) == ("queued", stored.as_uri())

    await Worker(engine=engine, settings=upload_settings).run(once=True)

    done = await get_json(client, response.headers["location"])
    assert done["status"] == "succeeded", done
    assert done["counts"]["new"] > 0 and done["counts"]["rejected"] > 0
    async with engine.connect() as connection:
        count = await connection.scalar(sa.select(sa.func.count()).select_from(reviews))
    assert count == done["counts"]["new"]


async def test_the_worker_never_finds_an_upload_in_the_folder_it_polls(
    client: httpx.AsyncClient,
    inbox: Path,
    feed_bytes: bytes,
    engine: AsyncEngine,
    upload_settings: Settings,
) -> None:
    await upload(client, feed_bytes)
    (inbox / "dropped.jl").write_bytes(feed_bytes)  # a file dropped in the inbox is found

    assert await poll_sources(engine=engine, settings=upload_settings) == 1
    assert len(await jobs_by_id(engine)) == 2  # the upload once, the dropped file once


async def test_a_gzipped_upload_is_ingested(
    client: httpx.AsyncClient, feed_bytes: bytes, engine: AsyncEngine, upload_settings: Settings
) -> None:
    response = await upload(
        client,
        gzip.compress(feed_bytes),
        name="feed.jsonl.gz",
        headers={"Content-Type": "application/gzip"},
    )
    await Worker(engine=engine, settings=upload_settings).run(once=True)
    done = await get_json(client, response.headers["location"])
    assert (done["status"], done["counts"]["new"] > 0) == ("succeeded", True)


async def test_anonymous_is_401_and_a_role_without_ingest_403_before_the_body_is_read(
    upload_settings: Settings, inbox: Path, engine: AsyncEngine
) -> None:
    async with api_client(upload_settings) as client:
        anonymous = await upload(client, b'{"id": 1}\n', status=401)
        analyst = await api_key_headers(client, "analyst")
        forbidden = await upload(client, b'{"id": 1}\n', headers=analyst, status=403)
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert forbidden.json()["status"] == 403
    assert stored_files(inbox) == []
    assert await jobs_by_id(engine) == {}


async def test_an_admin_may_upload(
    upload_settings: Settings, feed_bytes: bytes, inbox: Path
) -> None:
    async with api_client(upload_settings, roles=["admin"]) as client:
        response = await upload(client, feed_bytes)

    assert response.status_code == 202 and response.json()["status"] == "queued"
    [stored] = stored_files(inbox)
    assert stored.read_bytes() == feed_bytes


async def test_a_declared_length_over_the_cap_is_413_before_anything_is_stored(
    client: httpx.AsyncClient, inbox: Path, engine: AsyncEngine
) -> None:
    response = await upload(client, b"x" * (MAX_BYTES + 1), status=413)

    problem = response.json()
    assert problem["code"] == "body_too_large"
    assert "HOTELREVIEWS_UPLOAD_MAX_BYTES" in problem["detail"]
    assert stored_files(inbox) == []
    assert await jobs_by_id(engine) == {}


async def test_a_chunked_body_over_the_cap_is_413_and_its_part_file_removed(
    client: httpx.AsyncClient, inbox: Path, engine: AsyncEngine
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(120):
            yield b'{"id": 1}\n' * 1000

    response = await client.post(URL, params={"name": "big.jl"}, content=chunks(), headers=NDJSON)

    assert response.status_code == 413, response.text
    assert "HOTELREVIEWS_UPLOAD_MAX_BYTES" in response.json()["detail"]
    assert stored_files(inbox) == []
    assert await jobs_by_id(engine) == {}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../etc/feed.jl", "is a path"),
        ("feeds\\feed.jl", "is a path"),
        ("feed.csv", "must end with .jl, .jsonl, .jl.gz, .jsonl.gz"),
        ("feed\x01.jl", "control characters"),
        ("f" * 200 + ".jl", "1 to 200 characters"),
    ],
)
async def test_a_bad_name_is_422_naming_the_query_field(
    client: httpx.AsyncClient, inbox: Path, engine: AsyncEngine, name: str, message: str
) -> None:
    problem = (await upload(client, b'{"id": 1}\n', name=name, status=422)).json()
    assert problem["code"] == "invalid_upload"
    assert problem["errors"][0]["field"] == "query.name"
    assert message in problem["detail"]
    assert stored_files(inbox) == []
    assert await jobs_by_id(engine) == {}


async def test_an_unsafe_name_is_stored_under_its_safe_characters(
    client: httpx.AsyncClient, inbox: Path
) -> None:
    await upload(client, b'{"id": 1}\n', name="Agoda feed (März) 2025-03-20.JSONL")
    [stored] = stored_files(inbox)
    assert stored.name.endswith("-Agoda_feed_M_rz_2025-03-20.jsonl")


async def test_another_content_type_is_415(
    client: httpx.AsyncClient, inbox: Path, engine: AsyncEngine
) -> None:
    response = await upload(client, b"a,b\n", headers={"Content-Type": "text/csv"}, status=415)
    problem = response.json()
    assert problem["code"] == "unsupported_media_type"
    assert "application/x-ndjson" in problem["detail"] and "text/csv" in problem["detail"]
    assert stored_files(inbox) == []


async def test_an_empty_body_is_422(
    client: httpx.AsyncClient, inbox: Path, engine: AsyncEngine
) -> None:
    problem = (await upload(client, b"", status=422)).json()
    assert (problem["code"], problem["errors"][0]["field"]) == ("invalid_upload", "body")
    assert "empty" in problem["detail"]

    async def nothing() -> AsyncIterator[bytes]:  # chunked, and no chunk
        if False:
            yield b""

    chunked = await client.post(URL, params={"name": "a.jl"}, content=nothing(), headers=NDJSON)
    assert chunked.status_code == 422, chunked.text
    assert stored_files(inbox) == []
    assert await jobs_by_id(engine) == {}


async def test_a_retry_with_the_same_key_returns_the_first_ingestion_and_keeps_one_copy(
    client: httpx.AsyncClient, inbox: Path, feed_bytes: bytes, engine: AsyncEngine
) -> None:
    key = {"Idempotency-Key": "0d3c7a4e-upload-retry"}
    first = await upload(client, feed_bytes, headers=key)
    again = await upload(client, feed_bytes, headers=key)

    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(stored_files(inbox)) == 1
    assert len(await jobs_by_id(engine)) == 1

    other = await upload(client, feed_bytes + b"\n", headers=key, status=422)
    assert other.json()["code"] == "idempotency_key_reused"
    assert len(stored_files(inbox)) == 1
    assert len(await jobs_by_id(engine)) == 1


async def test_without_a_folder_or_bucket_uploads_are_refused_saying_what_to_configure(
    settings: Settings,
) -> None:
    async with api_client(settings, roles=["ingest"]) as client:
        problem = (await upload(client, b'{"id": 1}\n', status=422)).json()
    assert "HOTELREVIEWS_WORKER_SOURCES" in problem["detail"]
    assert "HOTELREVIEWS_UPLOAD_S3_URI" in problem["detail"]


async def test_a_client_that_leaves_mid_body_leaves_nothing_behind(
    upload_settings: Settings, inbox: Path, engine: AsyncEngine
) -> None:
    _, secret = await security_service.create_api_key(
        engine=engine, name="leaver", roles=frozenset({"ingest"})
    )
    incoming = inbox / UPLOADS_FOLDER / ".incoming"
    async with served(upload_settings) as base:
        port = int(base.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = (
            f"POST {URL}?name=left.jl HTTP/1.1\r\nHost: localhost\r\n"
            f"{API_KEY_HEADER}: {secret}\r\nContent-Type: application/x-ndjson\r\n"
            f"Content-Length: {MAX_BYTES}\r\n\r\n"
        )
        writer.write(head.encode() + b'{"id": 1}\n' * 2000)  # a third of what it announced
        await writer.drain()

        async def part_file() -> list[Path]:
            return list(incoming.glob("*.part")) if incoming.exists() else []

        await wait_for(part_file, "the body to reach storage")
        writer.close()
        await writer.wait_closed()

        async def part_file_gone() -> bool:
            return not await part_file()

        await wait_for(part_file_gone, "the part file to be removed")
    assert stored_files(inbox) == []
    assert await jobs_by_id(engine) == {}
    del reader
