"""Ingesting S3 objects (moto's server, real HTTP) and http URLs, on both databases: counts,
idempotency, failures that write nothing, and a killed run resumed to the exact end state."""

from __future__ import annotations

import base64
import gzip
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files, reviews
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import EMBEDDED_DATABASE_NAME, Settings
from hotelreviews.ingestion.shapes.parsing import parse_line
from hotelreviews.ingestion.shapes.records import NormalizedReview
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.feeds import write_mixed_feed
from tests.support.http_server import (  # noqa: F401
    FileServer,
    allowing_loopback,
    file_server_fixture,
)
from tests.support.ingest_runs import ingest_environment, kill_when_past
from tests.support.s3_server import S3Server, bucket_fixture, s3_server_fixture  # noqa: F401
from tests.support.snapshots import snapshot


@pytest.fixture
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    return settings.model_copy(
        update={"s3_endpoint_url": s3_server.endpoint_url, "source_allowed_s3": ["*"]}
    )


def padded_feed(path: Path, *, lines: int, padding: int = 0, seed: int = 7) -> bytes:
    """A mixed feed (new reviews, edits, broken and blank lines); each JSON object line gets an
    extra field of `padding` random base64 bytes (ignored by the parser) to make it big."""
    write_mixed_feed(path, lines=lines, seed=seed)
    rng = random.Random(seed)
    out = []
    for line in path.read_bytes().splitlines():
        if padding and line.startswith(b"{") and line.endswith(b"}"):
            filler = base64.b64encode(rng.randbytes(padding))
            line = b'{"padding": "' + filler + b'", ' + line[1:]
        out.append(line)
    data = b"\n".join(out) + b"\n"
    path.write_bytes(data)
    return data


def expected_counts(data: bytes) -> dict[str, int]:
    """What a first ingestion of `data` into an empty database must count."""
    blank = rejected = valid = 0
    keys = set()
    for line in data.splitlines():
        result = parse_line(line)
        if result is None:
            blank += 1
        elif isinstance(result, NormalizedReview):
            valid += 1
            keys.add((result.provider.key, result.provider_review_id))
        else:
            rejected += 1
    return {
        "lines": len(data.splitlines()),
        "blank": blank,
        "rejected": rejected,
        "new": len(keys),
        "edits": valid - len(keys),
    }


async def _count(engine: AsyncEngine, table: sa.Table) -> int:
    async with engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(table)
        return int((await connection.execute(query)).scalar_one())


def put(server: S3Server, bucket: str, key: str, data: bytes, **extra: str) -> str:
    server.client().put_object(Bucket=bucket, Key=key, Body=data, **extra)
    return f"s3://{bucket}/{key}"


async def test_a_gzipped_multi_megabyte_object_is_ingested_with_exact_counts(
    engine: AsyncEngine, s3_settings: Settings, s3_server, bucket, tmp_path
):
    data = padded_feed(tmp_path / "feed.jl", lines=3_000, padding=1_800)
    half = data.index(b"\n", len(data) // 2) + 1
    stored = gzip.compress(data[:half]) + gzip.compress(data[half:])  # two gzip members
    assert len(stored) > 4 * 1024 * 1024
    uri = put(s3_server, bucket, "agoda/agoda_com_2025-03-16.jl.gz", stored)
    expected = expected_counts(data)
    progress: list[int] = []

    report = await ingest_paths(
        engine=engine,
        settings=s3_settings,
        paths=[uri],
        on_progress=lambda name, lines, bytes_read: progress.append(bytes_read),
    )

    [file] = report.files
    assert (file.status, file.source) == ("ingested", uri), file.message
    counts = file.counts
    assert counts.lines_done == expected["lines"]
    assert (counts.blank, counts.rejected) == (expected["blank"], expected["rejected"])
    assert counts.new == expected["new"]
    assert counts.updated + counts.unchanged == expected["edits"]
    assert await _count(engine, reviews) == expected["new"]
    assert len(progress) == -(-expected["lines"] // s3_settings.ingest_batch_size)
    assert progress == sorted(progress) and progress[-1] == len(stored)
    async with engine.connect() as connection:
        run = (await connection.execute(sa.select(ingested_files))).one()
    assert (run.source_uri, run.display_name, run.size_bytes) == (uri, uri, len(stored))
    assert run.checksum.startswith("s3-etag:")
    assert run.status == "succeeded"


async def test_a_prefix_of_plain_and_gzip_files_is_ingested_once_then_skipped(
    engine: AsyncEngine, s3_settings: Settings, s3_server, bucket, tmp_path
):
    totals = {"lines": 0, "new": 0}
    for number, name in enumerate(["a_2025-03-01.jl", "b_2025-03-02.jl.gz", "c_2025-03-03.jsonl"]):
        data = padded_feed(tmp_path / f"{number}.jl", lines=400, seed=number)
        # Different seeds give overlapping review ids: later files re-deliver some reviews.
        put(s3_server, bucket, f"delivery/{name}", gzip.compress(data) if ".gz" in name else data)
        totals["lines"] += len(data.splitlines())
    put(s3_server, bucket, "delivery/README.txt", b"not a feed")
    prefix = f"s3://{bucket}/delivery/"

    first = await ingest_paths(engine=engine, settings=s3_settings, paths=[prefix])
    stored = await _count(engine, reviews)
    again = await ingest_paths(engine=engine, settings=s3_settings, paths=[prefix])

    assert [f.status for f in first.files] == ["ingested"] * 3
    assert [f.source.rsplit("/", 1)[1] for f in first.files] == [
        "a_2025-03-01.jl",
        "b_2025-03-02.jl.gz",
        "c_2025-03-03.jsonl",
    ]
    assert first.totals.lines_done == totals["lines"]
    assert stored == first.totals.new > 0
    assert [f.status for f in again.files] == ["skipped"] * 3
    assert all("already ingested" in (f.message or "") for f in again.files)
    assert again.totals.lines_done == 0
    assert await _count(engine, reviews) == stored
    assert await _count(engine, ingested_files) == 3


async def test_an_object_with_a_sha256_checksum_is_already_ingested_after_a_local_copy(
    engine: AsyncEngine, s3_settings: Settings, s3_server, bucket, tmp_path
):
    local = tmp_path / "feed_2025-03-05.jl"
    data = padded_feed(local, lines=50)
    uri = put(s3_server, bucket, "copy/feed_2025-03-05.jl", data, ChecksumAlgorithm="SHA256")

    await ingest_paths(engine=engine, settings=s3_settings, paths=[str(local)])
    report = await ingest_paths(engine=engine, settings=s3_settings, paths=[uri])

    assert [f.status for f in report.files] == ["skipped"]


@pytest.mark.parametrize(
    ("key", "stored", "cause"),
    [
        ("absent.jl", None, "no such object"),
        (None, None, "bucket no-such-bucket-zz does not exist"),
        ("broken.jl.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 40, "not a valid gzip file"),
        ("empty/", None, "no review files"),
    ],
    ids=["missing-key", "missing-bucket", "corrupt-gzip", "empty-prefix"],
)
async def test_an_unreadable_object_fails_naming_the_uri_and_writes_nothing(
    engine: AsyncEngine, s3_settings: Settings, s3_server, bucket, key, stored, cause
):
    uri = f"s3://{bucket}/{key}" if key else "s3://no-such-bucket-zz/feed.jl"
    if stored is not None:
        put(s3_server, bucket, key, stored)

    report = await ingest_paths(engine=engine, settings=s3_settings, paths=[uri])

    [file] = report.failed
    assert file.message is not None
    assert file.message.startswith(uri) and cause in file.message
    assert await _count(engine, ingested_files) == 0
    assert await _count(engine, reviews) == 0


@pytest.mark.parametrize("name", ["feed_2025-03-07.jl", "feed_2025-03-07.jl.gz"])
async def test_a_url_is_ingested_then_skipped_and_a_404_fails_without_writing(
    engine: AsyncEngine, settings: Settings, file_server: FileServer, tmp_path, name
):
    data = padded_feed(tmp_path / "feed.jl", lines=700)
    (file_server.directory / name).write_bytes(gzip.compress(data) if ".gz" in name else data)
    url = file_server.url(name)
    settings = allowing_loopback(settings)

    first = await ingest_paths(engine=engine, settings=settings, paths=[url])
    again = await ingest_paths(engine=engine, settings=settings, paths=[url])
    missing = await ingest_paths(engine=engine, settings=settings, paths=[url + ".old"])

    assert [f.status for f in first.files] == ["ingested"]
    assert first.totals.lines_done == expected_counts(data)["lines"]
    assert first.totals.new == expected_counts(data)["new"]
    assert [f.status for f in again.files] == ["skipped"]
    assert [f.status for f in missing.files] == ["failed"]
    assert "not found (HTTP 404)" in (missing.files[0].message or "")
    assert await _count(engine, ingested_files) == 1


BATCH = 200


def _s3_environment(settings: Settings) -> dict[str, str]:
    return ingest_environment(
        settings,
        batch=BATCH,
        HOTELREVIEWS_S3_ENDPOINT_URL=settings.s3_endpoint_url or "",
        HOTELREVIEWS_SOURCE_ALLOWED_S3="*",
    )


@pytest.mark.slow
async def test_a_remote_ingestion_killed_mid_object_resumes_to_the_uninterrupted_end_state(
    engine: AsyncEngine,
    s3_settings: Settings,
    s3_server,
    bucket,
    tmp_path,
    request: pytest.FixtureRequest,
):
    data = padded_feed(tmp_path / "feed.jl", lines=4_000, padding=200)
    uri = put(s3_server, bucket, "mixed_2025-03-20.jl.gz", gzip.compress(data))
    # The reference: the same object ingested without interruption into a second database.
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    if s3_settings.database_url is None:
        template = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, reference_dir / EMBEDDED_DATABASE_NAME)
        reference = Settings(environment="test", data_dir=reference_dir)
    else:
        url = request.getfixturevalue("pg_server").create_database(
            f"remote_reference_{os.getpid()}", template=request.getfixturevalue("pg_template")
        )
        reference = Settings(environment="test", data_dir=reference_dir, database_url=url)
    reference = reference.model_copy(
        update={
            "s3_endpoint_url": s3_settings.s3_endpoint_url,
            "ingest_batch_size": BATCH,
            "source_allowed_s3": ["*"],
        }
    )
    reference_engine = create_engine(reference)
    try:
        await ingest_paths(engine=reference_engine, settings=reference, paths=[uri])
        expected = await snapshot(reference_engine)
    finally:
        await reference_engine.dispose()
    command = [sys.executable, "-m", "hotelreviews", "ingest", uri]

    kills = 0
    for kill_after in (3 * BATCH + 1, 11 * BATCH + 1):
        process = subprocess.Popen(
            command,
            env=_s3_environment(s3_settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kills += await kill_when_past(engine, process, kill_after)
    finished = subprocess.run(
        command, env=_s3_environment(s3_settings), capture_output=True, text=True, timeout=300
    )

    assert finished.returncode == 0, finished.stderr
    assert kills == 2, "the ingestion finished before it could be killed twice"
    assert "resumed after line" in finished.stdout
    assert await snapshot(engine) == expected
    async with engine.connect() as connection:
        statuses = (await connection.execute(sa.select(ingested_files.c.status))).scalars().all()
    assert statuses == ["succeeded"]


def test_the_padded_feed_helper_keeps_every_line_parseable_as_before(tmp_path):
    plain = padded_feed(tmp_path / "a.jl", lines=200)
    padded = padded_feed(tmp_path / "b.jl", lines=200, padding=100)

    assert expected_counts(plain) == expected_counts(padded)
    assert len(padded) > len(plain) + 100 * 150
    assert orjson.loads(padded.splitlines()[0])["padding"]
