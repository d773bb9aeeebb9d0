"""Issue 16, item 3 (near real time on the embedded default): the API process runs the
review-intelligence runner itself on SQLite, so an ingested batch gets its opinions and its
hotels' reputations without a worker or a catch-up call; on PostgreSQL it leaves that to the
workers unless told; the runner's task ends with the app."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.intelligence import THREAD_NAME
from hotelreviews.core.settings import Settings
from hotelreviews.hotels.tables import hotels
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.opinions.tables import review_opinions
from hotelreviews.intelligence.runner import background
from hotelreviews.intelligence.runner.catch_up import CatchUpReport
from hotelreviews.reviews.tables import reviews
from tests.support.api_client import api_client

AGODA = Path("/work/shared/formats/samples/agoda_com_2025-03-16.jl")
DEADLINE_SECONDS = 60.0


def _runner_tasks() -> list[threading.Thread]:
    """The runners' threads (app.intelligence: each runs on a thread of its own)."""
    return [thread for thread in threading.enumerate() if thread.name == THREAD_NAME]


async def _count(engine: AsyncEngine, table: sa.Table) -> int:
    async with engine.connect() as connection:
        statement = sa.select(sa.func.count()).select_from(table)
        return int((await connection.execute(statement)).scalar_one())


async def _scored(client: httpx.AsyncClient, hotel_id: int) -> dict:
    """The hotel's reputation once the runner has scored it (polled, up to a deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while True:
        response = await client.get(f"/api/v1/hotels/{hotel_id}/reputation")
        if response.status_code == 200 and response.json()["status"] == "scored":
            return response.json()
        assert loop.time() < deadline, f"not scored in time: {response.text}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_on_sqlite_the_server_applies_an_ingested_batch_itself(
    settings: Settings, engine: AsyncEngine
) -> None:
    embedded = settings.model_copy(update={"intelligence_in_server": "auto"})
    async with api_client(embedded) as client:
        assert len(_runner_tasks()) == 1
        await ingest_paths(engine=engine, settings=embedded, paths=[str(AGODA)])
        async with engine.connect() as connection:
            statement = sa.select(hotels.c.id).where(hotels.c.external_id == "5101")
            hotel_id = (await connection.execute(statement)).scalar_one()

        body = await _scored(client, hotel_id)

        assert 0 <= body["index"] <= 100
        assert await _count(engine, review_opinions) == await _count(engine, reviews) > 0
    assert _runner_tasks() == []  # stopped with the app


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_two_server_processes_worth_of_runners_take_turns(
    settings: Settings, engine: AsyncEngine
) -> None:
    """As `serve --workers 2` does: two apps on one database, each with its runner."""
    embedded = settings.model_copy(update={"intelligence_in_server": "auto"})
    async with api_client(embedded) as first, api_client(embedded) as second:
        await ingest_paths(engine=engine, settings=embedded, paths=[str(AGODA)])
        async with engine.connect() as connection:
            statement = sa.select(hotels.c.id).where(hotels.c.external_id == "5101")
            hotel_id = (await connection.execute(statement)).scalar_one()
        await _scored(first, hotel_id)
        await _scored(second, hotel_id)
        runners = [
            client._transport.app.state.intelligence  # type: ignore[attr-defined]
            for client in (first, second)
        ]
        assert all(runner.stats.runs >= 1 for runner in runners)
        assert sum(runner.stats.failures for runner in runners) == 0
        assert await _count(engine, review_opinions) == await _count(engine, reviews)


async def test_the_server_runs_no_runner_when_told_not_to_or_on_postgresql_by_default(
    settings: Settings, backend: str
) -> None:
    auto = settings.model_copy(update={"intelligence_in_server": "auto"})
    async with api_client(auto) as client:
        running = client._transport.app.state.intelligence is not None  # type: ignore[attr-defined]
        assert running is (backend == "sqlite")
        assert len(_runner_tasks()) == int(running)
    disabled = auto.model_copy(update={"intelligence_enabled": False})
    async with api_client(disabled) as client:
        assert client._transport.app.state.intelligence is None  # type: ignore[attr-defined]
        assert _runner_tasks() == []
    forced = auto.model_copy(update={"intelligence_in_server": "true"})
    async with api_client(forced) as client:
        assert client._transport.app.state.intelligence is not None  # type: ignore[attr-defined]
        assert len(_runner_tasks()) == 1
    assert _runner_tasks() == []


@pytest.mark.parametrize(
    ("url", "enabled", "in_server", "runs"),
    [
        (None, True, "auto", True),
        ("postgresql://db/x", True, "auto", False),
        ("postgresql://db/x", True, "true", True),
        (None, True, "false", False),
        (None, False, "true", False),
    ],
)
def test_who_runs_intelligence_in_the_server(
    url: str | None, enabled: bool, in_server: str, runs: bool
) -> None:
    settings = Settings(
        environment="test",
        database_url=url,
        intelligence_enabled=enabled,
        intelligence_in_server=in_server,
    )
    assert settings.intelligence_runs_in_server is runs


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_requests_are_served_while_the_runner_is_busy_with_a_long_batch(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first catch-up over a big database is a minute of CPU-bound work: it runs on the
    runner's own thread, so the API answers meanwhile. (On the API's event loop, the blocked
    batch below would hold the request until the batch gave up.)"""
    busy, release, gave_up = threading.Event(), threading.Event(), threading.Event()

    async def long_batch(**_: object) -> CatchUpReport:
        busy.set()
        if not release.wait(timeout=20):  # blocks its thread, as CPU-bound work does
            gave_up.set()
        return CatchUpReport()

    monkeypatch.setattr(background, "catch_up", long_batch)
    embedded = settings.model_copy(update={"intelligence_in_server": "auto"})
    async with api_client(embedded) as client:
        assert await asyncio.to_thread(busy.wait, 20)
        response = await client.get("/api/v1/providers")
        served_during_the_batch = not gave_up.is_set()
        release.set()
    assert response.status_code == 200
    assert served_during_the_batch
