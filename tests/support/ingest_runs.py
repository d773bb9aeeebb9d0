"""`hotelreviews ingest` as a child process for the crash tests: its environment for a test's
settings, and a SIGKILL once its committed progress passes a line."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files
from hotelreviews.core.settings import Settings


def ingest_environment(settings: Settings, *, batch: int, **extra: str) -> dict[str, str]:
    """This process's environment (the dummy AWS credentials of an S3 fixture included) with
    the test's data directory, database and batch size, and `extra` variables."""
    env = {
        **os.environ,
        "HOTELREVIEWS_DATA_DIR": str(settings.data_dir),
        "HOTELREVIEWS_INGEST_BATCH_SIZE": str(batch),
        **extra,
    }
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    return env


def ingest_command(source: Path | str, *options: str) -> list[str]:
    return [sys.executable, "-m", "hotelreviews", "ingest", str(source), *options]


async def lines_done(engine: AsyncEngine) -> int:
    """The committed progress of the furthest file."""
    async with engine.connect() as connection:
        value = (
            await connection.execute(sa.select(sa.func.max(ingested_files.c.lines_done)))
        ).scalar()
    return int(value or 0)


async def kill_when_past(
    engine: AsyncEngine, process: subprocess.Popen, lines: int, *, stderr: IO[bytes] | None = None
) -> bool:
    """SIGKILL the process once its committed progress passes `lines`; False if it finished
    first. `stderr`: the file its standard error goes to (a file, never an unread pipe, which
    a chatty child fills and then blocks on), quoted when it makes no progress."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if await lines_done(engine) >= lines:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        await asyncio.sleep(0.005)
    process.kill()
    said = b""
    if stderr is not None:
        stderr.seek(0)
        said = stderr.read()[-3000:]
    raise AssertionError(f"ingestion made no progress within 120 s; its stderr ends: {said!r}")
