"""Queueing with read replicas: the POST's consistency token makes the new ingestion visible
to the client's next read, even while the replica has not replayed it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hotelreviews.core.settings import Settings
from tests.integration.test_read_routing import (
    Replicated,
    eventually,
    needs_postgresql,
    read,
    served_by,
)
from tests.integration.test_read_routing import (  # noqa: F401 - its primary and replica
    replicated as replicated_servers,
)
from tests.support.api_client import api_client
from tests.support.workers import quick_worker_settings


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    path = folder / "a.jl"
    path.write_text("{}\n")
    return path


@needs_postgresql
async def test_the_token_of_a_post_lets_the_next_read_see_the_ingestion(
    replicated_servers: Replicated,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    feed: Path,
) -> None:
    settings: Settings = quick_worker_settings(replicated_servers.settings(tmp_path), feed.parent)
    async with api_client(settings, roles=["admin"]) as client:
        await eventually(lambda: served_by(client, "replica"), "reads on the replica")
        await asyncio.to_thread(replicated_servers.replica.pause_replay)
        try:
            posted = await client.post("/api/v1/ingestions", json={"source_uri": str(feed)})
            assert posted.status_code == 202, posted.text
            token, location = posted.headers["X-Consistency-Token"], posted.headers["location"]

            seen = await read(client, location, token=token)
            assert seen.headers["X-Served-By"] == "primary"
            assert seen.json()["status"] == "queued"
            # Without the token the lagging replica answers, and knows nothing of it yet.
            missed = await read(client, location, status=404)
            assert missed.headers["content-type"] == "application/problem+json"
        finally:
            await asyncio.to_thread(replicated_servers.replica.resume_replay)

        async def replica_serves_it() -> bool:
            return (await read(client, location, token=token)).headers["X-Served-By"] == "replica"

        await eventually(replica_serves_it, "the replica serves the ingestion once replayed")
