"""`hotelreviews ingest` with S3 URIs (moto's server over real HTTP) and http URLs, as a user
runs it: paths and URIs mixed, --json, exit codes and messages, nothing written on failure."""

from __future__ import annotations

import gzip
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from hotelreviews.core.settings import EMBEDDED_DATABASE_NAME
from tests.support.http_server import (  # noqa: F401
    LOOPBACK_ENVIRONMENT,
    FileServer,
    file_server_fixture,
)
from tests.support.s3_server import S3Server, bucket_fixture, s3_server_fixture  # noqa: F401


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _run(data_dir: Path, s3: S3Server, *args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,  # with the dummy AWS credentials the s3_server fixture set
        "HOTELREVIEWS_DATA_DIR": str(data_dir),
        "HOTELREVIEWS_S3_ENDPOINT_URL": s3.endpoint_url,
        "HOTELREVIEWS_SOURCE_ALLOWED_S3": "*",
        **LOOPBACK_ENVIRONMENT,
        **variables,
    }
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "hotelreviews", "ingest", *args],
        env=env,
        capture_output=True,
        timeout=120,
    )


def _rows(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / EMBEDDED_DATABASE_NAME) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_prefix_and_a_local_file_are_ingested_together_then_skipped(
    data_dir: Path, s3_server: S3Server, bucket: str, samples_dir: Path
):
    client = s3_server.client()
    agoda = (samples_dir / "agoda_com_2025-03-16.jl").read_bytes()
    client.put_object(Bucket=bucket, Key="in/agoda_com_2025-03-16.jl.gz", Body=gzip.compress(agoda))
    client.put_object(
        Bucket=bucket, Key="in/broken_lines.jl", Body=(samples_dir / "broken_lines.jl").read_bytes()
    )
    local = str(samples_dir / "group_feed_2024-11-06.jsonl")

    done = _run(data_dir, s3_server, "--json", f"s3://{bucket}/in/", local)
    again = _run(data_dir, s3_server, f"s3://{bucket}/in", local)

    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout)
    assert [file["source"] for file in summary["files"]] == [
        f"s3://{bucket}/in/agoda_com_2025-03-16.jl.gz",
        f"s3://{bucket}/in/broken_lines.jl",
        local,
    ]
    # The same totals as the three sample files from disk (README, tests/data/EXPECTED.md).
    assert summary["totals"]["lines_read"] == 26
    assert summary["totals"]["reviews_new"] == 14
    assert summary["totals"]["lines_rejected"] == 10
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(b"already ingested") == 3
    assert _rows(data_dir, "ingested_files") == 3


@pytest.mark.parametrize(
    ("key", "body", "cause"),
    [
        ("absent.jl", None, b"no such object"),
        (None, None, b"bucket no-such-bucket-e2e does not exist"),
        ("corrupt.jl.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 20, b"not a valid gzip file"),
    ],
    ids=["missing-key", "missing-bucket", "corrupt-gzip"],
)
def test_an_unreadable_object_exits_1_naming_the_uri_and_the_cause_and_writes_nothing(
    data_dir: Path, s3_server: S3Server, bucket: str, key, body, cause: bytes
):
    uri = f"s3://{bucket}/{key}" if key else "s3://no-such-bucket-e2e/feed.jl"
    if body is not None:
        s3_server.client().put_object(Bucket=bucket, Key=key, Body=body)

    done = _run(data_dir, s3_server, uri)

    assert done.returncode == 1
    assert f"error: {uri}".encode() in done.stderr
    assert cause in done.stderr
    assert b"Traceback" not in done.stderr
    assert _rows(data_dir, "ingested_files") == 0
    assert _rows(data_dir, "reviews") == 0


def test_an_http_url_is_ingested_and_a_404_exits_1(
    data_dir: Path, s3_server: S3Server, file_server: FileServer, samples_dir: Path
):
    (file_server.directory / "feed.jl.gz").write_bytes(
        gzip.compress((samples_dir / "agoda_com_2025-03-16.jl").read_bytes())
    )

    done = _run(data_dir, s3_server, "--json", file_server.url("feed.jl.gz"))
    missing = _run(data_dir, s3_server, file_server.url("gone.jl"))

    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["totals"]["lines_read"] == 10
    assert missing.returncode == 1
    assert b"gone.jl: not found (HTTP 404)" in missing.stderr


def test_the_command_line_applies_the_source_policy_too(
    data_dir: Path, s3_server: S3Server, file_server: FileServer, bucket: str
):
    (file_server.directory / "feed.jl").write_bytes(b"{}\n")
    nothing_allowed = {
        "HOTELREVIEWS_SOURCE_ALLOWED_HOSTS": "",
        "HOTELREVIEWS_SOURCE_ALLOWED_S3": "",
    }

    url = _run(data_dir, s3_server, file_server.url("feed.jl"), **nothing_allowed)
    obj = _run(data_dir, s3_server, f"s3://{bucket}/feed.jl", **nothing_allowed)

    assert url.returncode == obj.returncode == 1
    assert b"http(s) sources are not accepted by this server" in url.stderr
    assert b"HOTELREVIEWS_SOURCE_ALLOWED_S3" in obj.stderr
    assert file_server.requests == []
    assert _rows(data_dir, "ingested_files") == 0
