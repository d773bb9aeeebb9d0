"""The "ingestion" events on both backends: a run records its progress in order (queued,
running, each committed batch with rising counts, the final status), and who gets them, in
the JSON and the streaming modes of GET /api/v1/events: admins and analysts every
ingestion's, an `ingest` identity its own ingestions' only, managers and anonymous clients
none, and a hotel filter none (docs/events.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.writing.service import ingest_file
from hotelreviews.security import service as security_service
from hotelreviews.security.authn import API_KEY_HEADER
from tests.support.api_client import api_client
from tests.support.builders import Catalog
from tests.support.event_streams import DEADLINE_SECONDS, HINT, EventReader, served, stream
from tests.support.feeds import write_mixed_feed
from tests.support.workers import quick_worker_settings

EVENTS = "/api/v1/events"
INGESTIONS = "/api/v1/ingestions"
TERMINAL = {"succeeded", "failed", "dead"}
ROLES = {
    "loader A": "ingest",
    "loader B": "ingest",
    "analyst": "analyst",
    "admin": "admin",
    "manager": "manager",
}


@dataclass
class Fleet:
    settings: Settings
    client: httpx.AsyncClient  # in process (JSON mode)
    headers: dict[str, dict[str, str]]  # identity -> its X-API-Key header ("anonymous": none)
    queued: dict[str, int]  # loader -> the ingestion it queued
    by_cli: int  # an ingestion run by the CLI (nobody's)

    async def events(self, identity: str, **params: Any) -> list[dict[str, Any]]:
        """Every event the identity gets in the JSON mode, page after page."""
        items: list[dict[str, Any]] = []
        after = 0
        while True:
            response = await self.client.get(
                EVENTS, params={"after": after, **params}, headers=self.headers[identity]
            )
            assert response.status_code == 200, response.text
            body = response.json()
            items += body["items"]
            after = body["last_event_id"]
            if not body["has_more"]:
                return items


async def key_headers(engine: AsyncEngine, role: str) -> dict[str, str]:
    _, secret = await security_service.create_api_key(
        engine=engine, name=f"test {role}", roles=frozenset({role})
    )
    return {API_KEY_HEADER: secret}


@pytest.fixture
async def fleet(settings: Settings, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Fleet]:
    """Loaders A and B (role ingest) each queued a feed of three batches, the worker ran
    them, and the CLI ingested a third feed."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    write_mixed_feed(feeds / "a_mixed.jl", lines=1200, seed=21)
    write_mixed_feed(feeds / "b_mixed.jl", lines=300, seed=22)
    cli_feed = tmp_path / "cli_mixed.jl"
    write_mixed_feed(cli_feed, lines=700, seed=23)
    # Queued through the API only: the worker's own poll takes no file (a file counts as
    # still being written for an hour after its last change).
    queue_settings = quick_worker_settings(settings, feeds, worker_settle_seconds=3600)
    headers = {name: await key_headers(engine, role) for name, role in ROLES.items()}
    headers["anonymous"] = {}
    async with api_client(queue_settings) as client:
        queued = {}
        for loader, feed in [("loader A", "a_mixed.jl"), ("loader B", "b_mixed.jl")]:
            response = await client.post(
                INGESTIONS, json={"source_uri": str(feeds / feed)}, headers=headers[loader]
            )
            assert response.status_code == 202, response.text
            queued[loader] = response.json()["id"]
        await Worker(engine=engine, settings=queue_settings).run(once=True)
        report = await ingest_file(engine=engine, settings=queue_settings, path=str(cli_feed))
        assert report.run_id is not None
        yield Fleet(queue_settings, client, headers, queued, report.run_id)


def progress_of(events: list[dict[str, Any]], ingestion_id: int) -> list[dict[str, Any]]:
    return [
        event["payload"]
        for event in events
        if event["kind"] == "ingestion" and event["payload"]["ingestion_id"] == ingestion_id
    ]


def assert_progresses_in_order(payloads: list[dict[str, Any]], final: dict[str, Any]) -> None:
    """Statuses move forward to the final one, counts only rise, and the last event says what
    GET /api/v1/ingestions/{id} says."""
    statuses = [payload["status"] for payload in payloads]
    assert statuses[-1] == final["status"] and statuses[-1] in TERMINAL
    assert not TERMINAL & set(statuses[:-1])
    lines = [payload["counts"]["lines_done"] for payload in payloads]
    assert lines == sorted(lines)
    assert payloads[-1]["counts"] == {
        name: final["counts"][name]
        for name in ("lines_done", "new", "updated", "unchanged", "rejected")
    }
    assert payloads[-1]["progress"] == final["progress"]


async def test_a_queued_run_records_queued_running_each_batch_and_its_end_in_order(
    fleet: Fleet,
) -> None:
    events = await fleet.events("admin", kind="ingestion")
    ingestion_id = fleet.queued["loader A"]
    final = (
        await fleet.client.get(f"{INGESTIONS}/{ingestion_id}", headers=fleet.headers["admin"])
    ).json()

    payloads = progress_of(events, ingestion_id)

    assert [event["id"] for event in events] == sorted(event["id"] for event in events)
    assert {event["hotel_id"] for event in events} == {None}
    assert [payload["status"] for payload in payloads[:2]] == ["queued", "running"]
    assert_progresses_in_order(payloads, final)
    assert final["status"] == "succeeded" and final["counts"]["lines_done"] == 1200
    # Each of its three batches (500 lines each) is an event of its own, as it committed.
    batches = sorted({payload["counts"]["lines_done"] for payload in payloads} - {0})
    assert batches == [500, 1000, 1200]
    assert payloads[-1]["progress"]["bytes_done"] == payloads[-1]["progress"]["bytes_total"]


async def test_a_cli_run_records_running_each_batch_and_succeeded(fleet: Fleet) -> None:
    events = await fleet.events("analyst", kind="ingestion")
    final = (
        await fleet.client.get(f"{INGESTIONS}/{fleet.by_cli}", headers=fleet.headers["admin"])
    ).json()

    payloads = progress_of(events, fleet.by_cli)

    assert payloads[0]["status"] == "running"
    assert [payload["counts"]["lines_done"] for payload in payloads] == [0, 500, 700, 700]
    assert_progresses_in_order(payloads, final)


EXPECTED_INGESTIONS = {
    "admin": {"loader A", "loader B", "cli"},
    "analyst": {"loader A", "loader B", "cli"},
    "loader A": {"loader A"},
    "loader B": {"loader B"},
    "manager": set(),
    "anonymous": set(),
}


def ingestions_named(fleet: Fleet, names: set[str]) -> set[int]:
    return {fleet.by_cli if name == "cli" else fleet.queued[name] for name in names}


def ingestion_ids(events: list[dict[str, Any]]) -> set[int]:
    return {event["payload"]["ingestion_id"] for event in events if event["kind"] == "ingestion"}


@pytest.mark.parametrize("identity", sorted(EXPECTED_INGESTIONS))
async def test_each_role_gets_the_ingestion_events_of_the_ingestions_it_may_read_as_json(
    fleet: Fleet, identity: str
) -> None:
    everything = await fleet.events(identity)
    asked = await fleet.events(identity, kind="ingestion")

    expected = ingestions_named(fleet, EXPECTED_INGESTIONS[identity])
    assert ingestion_ids(everything) == ingestion_ids(asked) == expected
    # The reviews the runs wrote are public: everyone gets those.
    assert any(event["kind"] == "reviews" for event in everything)


async def test_a_hotel_filter_leaves_ingestion_events_out_even_for_an_admin(
    fleet: Fleet, engine: AsyncEngine
) -> None:
    hotel = await Catalog(engine).hotel("Filter Inn")

    filtered = await fleet.events("admin", hotel_id=hotel)
    asked = await fleet.events("admin", hotel_id=hotel, kind="ingestion")

    assert ingestion_ids(filtered) == set() and asked == []


async def replayed(events: EventReader) -> list[Any]:
    """The messages a stream replays before it goes live (its retry hint): with nothing
    written meanwhile, every stored event it lets through."""
    messages = []
    while (message := await events.next()) is not HINT:
        assert message is not None and message.event != "reconnect"
        messages.append(message)
    return messages


async def test_each_role_gets_the_same_ingestion_events_from_the_stream(fleet: Fleet) -> None:
    seen = {}
    async with (
        served(fleet.settings) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
    ):
        for identity in EXPECTED_INGESTIONS:
            headers = {"Last-Event-ID": "0", **fleet.headers[identity]}
            async with stream(client, EVENTS, headers=headers) as events:
                messages = await replayed(events)
            seen[identity] = {
                message.data["payload"]["ingestion_id"]
                for message in messages
                if message.event == "ingestion"
            }
            # Each message's `event:` is its kind, and its data is the JSON mode's item.
            assert all(message.event == message.data["kind"] for message in messages)
            if identity == "admin":
                as_json = await fleet.events("admin")
                assert [message.id for message in messages] == [item["id"] for item in as_json]

    assert seen == {
        identity: ingestions_named(fleet, names) for identity, names in EXPECTED_INGESTIONS.items()
    }


async def test_a_queued_run_given_up_ends_its_events_dead(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    queue_settings = quick_worker_settings(
        settings, feeds, worker_settle_seconds=3600, worker_max_attempts=1
    )
    async with api_client(queue_settings, roles=["admin"]) as client:
        response = await client.post(INGESTIONS, json={"source_uri": str(feeds / "gone.jl")})
        assert response.status_code == 202, response.text
        queued = response.json()["id"]
        await Worker(engine=engine, settings=queue_settings).run(once=True)
        page = (await client.get(EVENTS, params={"kind": "ingestion"})).json()
        final = (await client.get(f"{INGESTIONS}/{queued}")).json()

    payloads = progress_of(page["items"], queued)

    assert [payload["status"] for payload in payloads] == ["queued", "dead"]
    assert final["status"] == "dead"
    assert_progresses_in_order(payloads, final)
