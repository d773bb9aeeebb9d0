"""A SIGKILLed ingestion, re-run, ends exactly where an uninterrupted run ends."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from tests.support.feeds import write_mixed_feed
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.slow

BATCH = 200
LINES = 6_000


def _environment(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "HOTELREVIEWS_DATA_DIR": str(settings.data_dir),
        "HOTELREVIEWS_INGEST_BATCH_SIZE": str(BATCH),
    }
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    return env


def _ingest_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "hotelreviews", "ingest", str(path)]


async def _lines_done(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        value = (
            await connection.execute(sa.select(sa.func.max(ingested_files.c.lines_done)))
        ).scalar()
    return int(value or 0)


async def _kill_when_past(engine: AsyncEngine, process: subprocess.Popen, lines: int) -> bool:
    """SIGKILL the process once its committed progress passes `lines`; False if it finished."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if await _lines_done(engine) >= lines:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        await asyncio.sleep(0.005)
    process.kill()
    raise AssertionError("ingestion made no progress within 120 s")


async def test_reruns_after_sigkill_reach_the_state_of_an_uninterrupted_run(
    settings: Settings, engine: AsyncEngine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    feed = tmp_path / "mixed_2025-03-20.jl"
    write_mixed_feed(feed, lines=LINES)

    # The reference: the same file ingested without interruption into a second database.
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    if settings.database_url is None:
        reference_settings = Settings(environment="test", data_dir=reference_dir)
        subprocess.run(
            [sys.executable, "-m", "hotelreviews", "migrate", "upgrade"],
            env=_environment(reference_settings),
            check=True,
            capture_output=True,
        )
    else:
        server = request.getfixturevalue("pg_server")
        url = server.create_database(
            f"reference_{os.getpid()}_{id(tmp_path)}",
            template=request.getfixturevalue("pg_template"),
        )
        reference_settings = Settings(environment="test", data_dir=reference_dir, database_url=url)
    done = subprocess.run(
        _ingest_command(feed), env=_environment(reference_settings), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    reference_engine = create_engine(reference_settings)
    try:
        expected = await snapshot(reference_engine)
    finally:
        await reference_engine.dispose()

    kills = 0
    for kill_after in (1, 7 * BATCH + 1, 13 * BATCH + 1, 22 * BATCH + 1):
        process = subprocess.Popen(
            _ingest_command(feed),
            env=_environment(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        kills += await _kill_when_past(engine, process, kill_after)
    finished = subprocess.run(
        _ingest_command(feed), env=_environment(settings), capture_output=True, text=True
    )

    assert finished.returncode == 0, finished.stderr
    assert kills >= 3, "the ingestion finished before it could be killed at several points"
    assert "resumed after line" in finished.stdout
    assert await snapshot(engine) == expected
    async with engine.connect() as connection:
        statuses = (await connection.execute(sa.select(ingested_files.c.status))).scalars().all()
    assert statuses == ["succeeded"]
