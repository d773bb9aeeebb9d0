"""`hotelreviews worker` as an operator runs it: --once, its log lines, a bad configuration."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hotelreviews.core.settings import Settings
from tests.support.workers import worker_command, worker_environment


def _run(settings: Settings, *args: str, **variables: object) -> subprocess.CompletedProcess:
    env = worker_environment(settings, **variables)
    return subprocess.run(worker_command(*args), env=env, capture_output=True, timeout=120)


def test_once_ingests_a_folder_logs_each_job_and_exits_0(tmp_path: Path, samples_dir: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for name in ("agoda_com_2025-03-16.jl", "group_feed_2024-11-06.jsonl"):
        shutil.copyfile(samples_dir / name, feeds / name)
    settings = Settings(environment="test", data_dir=tmp_path / "data")

    done = _run(settings, "--once", worker_sources=feeds)
    again = _run(settings, "--once", worker_sources=feeds)

    log = done.stderr.decode()
    assert done.returncode == 0, log
    assert f"started: sources {feeds}" in log
    assert "ingestion 1 started (attempt 1 of 5)" in log
    assert "succeeded in" in log and "10 lines, 9 new, 1 updated, 0 unchanged, 0 rejected" in log
    assert "4 lines, 4 new, 0 updated, 0 unchanged, 0 rejected" in log
    assert "Running upgrade" not in log  # the embedded database's migration stays quiet
    assert again.returncode == 0
    assert "queued" not in again.stderr.decode()  # the same files: nothing new


def test_a_source_that_is_not_a_folder_or_s3_prefix_is_refused_at_start(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")

    done = _run(settings, "--once", worker_sources="https://example.com/feeds/")

    assert done.returncode == 2
    assert done.stderr.decode().strip() == (
        "error: HOTELREVIEWS_WORKER_SOURCES: https://example.com/feeds/ is neither a folder "
        "nor an s3://bucket/prefix/ URI"
    )


def test_a_heartbeat_not_shorter_than_the_lease_is_a_configuration_error(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")

    done = _run(settings, "--once", worker_lease_seconds=5, worker_heartbeat_seconds=5)

    assert done.returncode == 2
    assert done.stderr.decode() == (
        "error: configuration: Value error, HOTELREVIEWS_WORKER_HEARTBEAT_SECONDS must be "
        "shorter than HOTELREVIEWS_WORKER_LEASE_SECONDS (a third of it is usual)\n"
    )


def test_a_one_line_file_is_logged_as_1_line(tmp_path: Path, samples_dir: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    first_line = (samples_dir / "group_feed_2024-11-06.jsonl").read_text().splitlines()[0]
    (feeds / "one.jsonl").write_text(first_line + "\n")
    settings = Settings(environment="test", data_dir=tmp_path / "data")

    done = _run(settings, "--once", worker_sources=feeds)

    log = done.stderr.decode()
    assert done.returncode == 0, log
    assert "succeeded in" in log and ": 1 line, 1 new, 0 updated" in log
