"""A SIGKILLed ingestion, re-run, ends exactly where an uninterrupted run ends."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files
from hotelreviews.core.database import create_engine
from hotelreviews.core.settings import Settings
from tests.support.feeds import write_mixed_feed
from tests.support.ingest_runs import ingest_command, ingest_environment, kill_when_past
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.slow

BATCH = 200
LINES = 6_000


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
            env=ingest_environment(reference_settings, batch=BATCH),
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
        ingest_command(feed),
        env=ingest_environment(reference_settings, batch=BATCH),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    reference_engine = create_engine(reference_settings)
    try:
        expected = await snapshot(reference_engine)
    finally:
        await reference_engine.dispose()

    kills = 0
    for kill_after in (1, 7 * BATCH + 1, 13 * BATCH + 1, 22 * BATCH + 1):
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                ingest_command(feed),
                env=ingest_environment(settings, batch=BATCH),
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            kills += await kill_when_past(engine, process, kill_after, stderr=errors)
    finished = subprocess.run(
        ingest_command(feed),
        env=ingest_environment(settings, batch=BATCH),
        capture_output=True,
        text=True,
    )

    assert finished.returncode == 0, finished.stderr
    assert kills >= 3, "the ingestion finished before it could be killed at several points"
    assert "resumed after line" in finished.stdout
    assert await snapshot(engine) == expected
    async with engine.connect() as connection:
        statuses = (await connection.execute(sa.select(ingested_files.c.status))).scalars().all()
    assert statuses == ["succeeded"]
