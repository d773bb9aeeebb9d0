"""The `hotelreviews` command as a user runs it: exit codes, messages, --json, stdin."""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from hotelreviews.core.settings import Settings
from tests.support.cli import run_cli


def _run(settings: Settings, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return run_cli(settings, *args, stdin=stdin)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path / "data")


def test_ingest_json_summary_counts_every_outcome(
    sqlite_settings: Settings, samples_dir: Path
) -> None:
    done = _run(sqlite_settings, "ingest", "--json", str(samples_dir))

    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout)
    assert summary["files_ingested"] == 3
    assert summary["totals"]["lines_read"] == 26
    assert summary["totals"]["lines_rejected"] == 10
    assert summary["totals"]["reviews_new"] == 14
    assert summary["totals"]["rejected_by_reason"]["missing_field"] == 3


def test_second_ingest_says_already_ingested_and_exits_zero(
    sqlite_settings: Settings, samples_dir: Path
) -> None:
    path = str(samples_dir / "group_feed_2024-11-06.jsonl")
    assert _run(sqlite_settings, "ingest", path).returncode == 0

    again = _run(sqlite_settings, "ingest", path)

    assert again.returncode == 0
    assert b"already ingested" in again.stdout
    assert b"--force" in again.stdout


def test_stdin_is_ingested_like_a_file(sqlite_settings: Settings, samples_dir: Path) -> None:
    data = (samples_dir / "agoda_com_2025-03-16.jl").read_bytes()

    done = _run(sqlite_settings, "ingest", "--json", "-", stdin=data)

    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["totals"]["lines_read"] == 10


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (lambda d: d / "absent.jl", b"no such file"),
        (lambda d: _write(d / "broken.jl.gz", gzip.compress(b'{"a": 1}\n' * 5000)[:-40]), b"gzip"),
        (lambda d: _write(d / "picture.jl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50), b"not"),
    ],
    ids=["missing", "truncated-gzip", "binary"],
)
def test_unreadable_file_exits_non_zero_naming_file_and_cause(
    sqlite_settings: Settings,
    tmp_path: Path,
    make,
    cause: bytes,  # noqa: ANN001
) -> None:
    path = make(tmp_path)

    done = _run(sqlite_settings, "ingest", str(path))

    assert done.returncode == 1
    assert path.name.encode() in done.stderr
    assert cause in done.stderr.lower()


def test_migrate_current_reports_the_latest_revision(sqlite_settings: Settings) -> None:
    assert _run(sqlite_settings, "migrate", "upgrade").returncode == 0

    done = _run(sqlite_settings, "migrate", "current")

    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert lines[0].split()[-1] == lines[1].split()[-1] != "none"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_ingest_into_an_unmigrated_postgresql_says_to_migrate(
    pg_server,
    tmp_path: Path,
    samples_dir: Path,  # noqa: ANN001
) -> None:
    url = pg_server.create_database("unmigrated_for_cli")
    settings = Settings(environment="test", data_dir=tmp_path, database_url=url)

    done = _run(settings, "ingest", str(samples_dir / "broken_lines.jl"))

    assert done.returncode == 2
    assert b"hotelreviews migrate upgrade" in done.stderr
    assert b"Traceback" not in done.stderr


def test_ingest_with_the_database_down_says_so_without_a_traceback(
    tmp_path: Path, samples_dir: Path
) -> None:
    from tests.support.pg_server import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing_listens_here"
    settings = Settings(environment="test", data_dir=tmp_path, database_url=url)

    done = _run(settings, "ingest", str(samples_dir / "broken_lines.jl"))

    assert done.returncode == 2
    assert b"database is unavailable" in done.stderr
    assert b"Traceback" not in done.stderr


def test_serve_refuses_an_outdated_postgresql_schema_with_one_clear_line(
    pg_server,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    url = pg_server.create_database("unmigrated_for_serve")
    settings = Settings(environment="test", data_dir=tmp_path, database_url=url)

    done = _run(settings, "serve", "--port", "1")

    assert done.returncode == 2
    assert b"hotelreviews migrate upgrade" in done.stderr
    assert b"Traceback" not in done.stderr


def test_serve_exits_when_its_port_is_taken_with_redis_configured(
    tmp_path: Path,
    redis_server,  # noqa: ANN001
) -> None:
    # Startup completes (the cache starts subscribing to Redis), then binding fails: the
    # shutdown must end the subscription, which redis-py can hold on to through a cancel.
    env = {
        **os.environ,
        "HOTELREVIEWS_ENVIRONMENT": "test",
        "HOTELREVIEWS_DATA_DIR": str(tmp_path),
        "HOTELREVIEWS_REDIS_URL": redis_server.url,
    }
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-m", "hotelreviews", "serve", "--port", port],
            env=env,
            capture_output=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert b"address already in use" in done.stdout + done.stderr
