"""The event outbox and GET /api/v1/events in its JSON (polling) mode, on both backends:
replay after an id (query or Last-Event-ID), filters, roles (alert events for managers and
analysts only), 422s, and the events a real ingestion records: one "reviews" event per hotel
per committed batch, with its counts, and none for a batch that rolled back.

The streaming mode: tests/integration/test_api_events_stream.py.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.events.outbox import NewEvent, record_events
from hotelreviews.events.schemas import EventPage
from hotelreviews.events.tables import events
from hotelreviews.hotels.tables import hotels
from hotelreviews.ingestion.writing.service import ingest_file, ingest_paths
from hotelreviews.reviews.tables import reviews
from tests.support.api_client import api_client, api_key_headers, user_headers
from tests.support.builders import Catalog

EVENTS = "/api/v1/events"
SAMPLES = Path("/work/shared/formats/samples")
AGODA = SAMPLES / "agoda_com_2025-03-16.jl"


class Crash(Exception):
    """Raised inside a batch's transaction, as a process dying there would end it."""


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def hotel_ids(engine: AsyncEngine) -> tuple[int, int]:
    catalog = Catalog(engine)
    return (
        await catalog.hotel("Harbourfront Lantern Hotel", city="Singapore"),
        await catalog.hotel("Quiet House", city="Berlin"),
    )


async def record(engine: AsyncEngine, *new: NewEvent) -> int:
    """Record events in a transaction of their own; the last id."""
    async with write_transaction(engine) as connection:
        last = await record_events(connection, events=new)
    assert last is not None
    return last


@pytest.fixture
async def recorded(engine: AsyncEngine, hotel_ids: tuple[int, int]) -> list[int]:
    """Five events, oldest first: reviews, reviews, alert (harbour), reviews, alert (quiet)."""
    harbour, quiet = hotel_ids
    ids = []
    for event in (
        NewEvent("reviews", harbour, {"new": 3, "updated": 0}),
        NewEvent("reviews", harbour, {"new": 0, "updated": 1}),
        NewEvent("alert", harbour, {"kind": "rating_drop"}),
        NewEvent("reviews", quiet, {"new": 1, "updated": 0}),
        NewEvent("alert", quiet, {"kind": "volume_burst"}),
    ):
        ids.append(await record(engine, event))
    return ids


async def page(client: httpx.AsyncClient, status: int = 200, **params: Any) -> Any:
    headers = params.pop("headers", {})
    response = await client.get(EVENTS, params=params, headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.headers["cache-control"] == "no-store"
        EventPage.model_validate(response.json())
    return response.json()


def ids_of(body: Any) -> list[int]:
    return [item["id"] for item in body["items"]]


async def test_event_ids_grow_in_the_order_events_are_recorded(recorded: list[int]) -> None:
    assert recorded == sorted(recorded)
    assert len(set(recorded)) == 5


async def test_an_anonymous_client_gets_every_reviews_event_and_no_alert(
    client: httpx.AsyncClient, recorded: list[int], hotel_ids: tuple[int, int]
) -> None:
    body = await page(client)

    assert ids_of(body) == [recorded[0], recorded[1], recorded[3]]
    assert {item["kind"] for item in body["items"]} == {"reviews"}
    assert body["items"][0]["hotel_id"] == hotel_ids[0]
    assert body["items"][0]["payload"] == {"new": 3, "updated": 0}
    assert body["last_event_id"] == recorded[3]
    assert body["has_more"] is False


async def test_analysts_also_get_alert_events_of_every_hotel(
    client: httpx.AsyncClient, recorded: list[int]
) -> None:
    body = await page(client, headers=await api_key_headers(client, "analyst"))

    assert ids_of(body) == recorded
    assert [item["kind"] for item in body["items"]].count("alert") == 2


async def test_a_manager_gets_the_alert_events_of_their_hotels_only(
    client: httpx.AsyncClient, recorded: list[int], hotel_ids: tuple[int, int]
) -> None:
    harbour, _ = hotel_ids
    manager = await user_headers(client, "mia", "manager", hotel_ids=[harbour])
    body = await page(client, headers=manager)
    # A manager-only API key manages no hotel: no alert events at all.
    keyed = await page(client, headers=await api_key_headers(client, "manager"))

    # Every reviews event (public data), and the alert of harbour, not quiet's.
    assert ids_of(body) == recorded[:4]
    assert ids_of(keyed) == [recorded[0], recorded[1], recorded[3]]


async def test_an_ingest_key_asking_for_alerts_gets_none(
    client: httpx.AsyncClient, recorded: list[int]
) -> None:
    body = await page(client, kind="alert", headers=await api_key_headers(client, "ingest"))

    assert body["items"] == []


async def test_after_and_last_event_id_resume_after_the_id_given(
    client: httpx.AsyncClient, recorded: list[int]
) -> None:
    by_query = await page(client, after=recorded[0])
    by_header = await page(client, headers={"Last-Event-ID": str(recorded[1])})
    by_event_source_query = await page(client, last_event_id=recorded[1])
    # A reconnecting EventSource sends its URL again with the newer id in the header.
    header_wins = await page(client, last_event_id=0, headers={"Last-Event-ID": str(recorded[1])})

    assert ids_of(by_query) == [recorded[1], recorded[3]]
    assert ids_of(by_header) == [recorded[3]]
    assert ids_of(by_event_source_query) == [recorded[3]]
    assert ids_of(header_wins) == [recorded[3]]


async def test_pages_follow_one_another_without_gaps(
    client: httpx.AsyncClient, recorded: list[int]
) -> None:
    headers = await api_key_headers(client, "analyst")
    first = await page(client, limit=2, headers=headers)
    second = await page(client, limit=2, after=first["last_event_id"], headers=headers)
    third = await page(client, limit=2, after=second["last_event_id"], headers=headers)
    last = await page(client, limit=2, after=third["last_event_id"], headers=headers)

    assert (first["has_more"], second["has_more"], third["has_more"]) == (True, True, False)
    assert ids_of(first) + ids_of(second) + ids_of(third) == recorded
    assert last == {"items": [], "last_event_id": recorded[-1], "has_more": False}


async def test_filters_by_hotels_and_kind(
    client: httpx.AsyncClient, recorded: list[int], hotel_ids: tuple[int, int]
) -> None:
    harbour, quiet = hotel_ids
    headers = await user_headers(client, "mia", "manager", hotel_ids=[harbour, quiet])

    only_quiet = await page(client, hotel_id=quiet, headers=headers)
    both = await page(client, hotel_id=[harbour, quiet], kind="alert", headers=headers)
    unknown = await page(client, hotel_id=999_999)

    assert ids_of(only_quiet) == [recorded[3], recorded[4]]
    assert ids_of(both) == [recorded[2], recorded[4]]
    assert unknown["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "rating_drop"},
        {"after": -1},
        {"limit": 0},
        {"limit": 501},
        {"hotel_id": 0},
        {"hotel_id": list(range(1, 52))},
        {"headers": {"Last-Event-ID": "not a number"}},
        {"unknown": "1"},
    ],
)
async def test_invalid_parameters_are_refused(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    body = await page(client, 422, **params)

    assert body["status"] == 422


async def test_an_ingestion_records_one_reviews_event_per_hotel_with_its_counts(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    report = await ingest_paths(engine=engine, settings=settings, paths=[str(AGODA)])
    (file_report,) = report.files
    async with engine.connect() as connection:
        per_hotel = dict(
            (
                await connection.execute(
                    sa.select(reviews.c.hotel_id, sa.func.count()).group_by(reviews.c.hotel_id)
                )
            ).all()
        )
        review_ids = Counter(
            hotel_id
            for (hotel_id,) in (await connection.execute(sa.select(reviews.c.hotel_id))).all()
        )

    body = await page(client)

    # The sample's ten lines (one review twice) fit one batch: one event per hotel.
    assert len(per_hotel) == 4
    assert sorted(item["hotel_id"] for item in body["items"]) == sorted(per_hotel)
    for item in body["items"]:
        payload = item["payload"]
        assert item["kind"] == "reviews"
        assert payload["new"] == per_hotel[item["hotel_id"]]
        assert payload["updated"] == 0
        assert payload["ingestion_id"] == file_report.run_id
        assert len(payload["latest_review_ids"]) == review_ids[item["hotel_id"]]
        for review_id in payload["latest_review_ids"]:
            review = await client.get(f"/api/v1/reviews/{review_id}")
            assert review.json()["hotel"]["id"] == item["hotel_id"]
    assert sum(item["payload"]["new"] for item in body["items"]) == 9

    # An edit of one review, forced through: one event, for its hotel only, an update.
    edited = tmp_path / "agoda_com_2025-03-17.jl"
    shutil.copyfile(AGODA, edited)
    lines = edited.read_bytes().splitlines()
    lines[0] = lines[0].replace(b'"rating": 8.8', b'"rating": 7.2')
    edited.write_bytes(b"\n".join(lines) + b"\n")
    await ingest_paths(engine=engine, settings=settings, paths=[str(edited)])

    after = await page(client, after=body["last_event_id"])
    (event,) = after["items"]
    async with engine.connect() as connection:
        harbour = (
            await connection.execute(sa.select(hotels.c.id).where(hotels.c.external_id == "5101"))
        ).scalar_one()
    assert event["hotel_id"] == harbour
    assert (event["payload"]["new"], event["payload"]["updated"]) == (0, 1)


async def test_a_batch_that_rolls_back_records_no_event(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    async def crash_in_the_second_batch(connection: Any, run_id: int, batch: Any) -> None:
        if batch.last_line > 4:
            raise Crash

    small_batches = settings.model_copy(update={"ingest_batch_size": 4})
    with pytest.raises(Crash):
        await ingest_file(
            engine=engine,
            settings=small_batches,
            path=str(AGODA),
            in_batch=crash_in_the_second_batch,
        )
    async with engine.connect() as connection:
        stored = (
            await connection.execute(sa.select(sa.func.count()).select_from(reviews))
        ).scalar()
        recorded = (
            await connection.execute(
                # The run's "ingestion" events (tests/integration/test_ingestion_events.py)
                # count no reviews.
                sa.select(events.c.payload).where(events.c.kind == "reviews").order_by(events.c.id)
            )
        ).scalars()
        recorded_new = sum(payload["new"] for payload in recorded)

    body = await page(client)

    # Only the first batch (lines 1 to 4) committed: its reviews, and its events alone.
    assert stored == 4
    assert recorded_new == 4
    assert sum(item["payload"]["new"] for item in body["items"]) == 4
    assert len({item["payload"]["ingestion_id"] for item in body["items"]}) == 1
