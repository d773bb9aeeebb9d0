"""GET /api/v1/alerts on both backends: alerts stored once per key, filters, keyset paging,
roles, 404 and 422, and the Prometheus count of alerts raised."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.intelligence.alerts.schemas import AlertPage
from hotelreviews.intelligence.alerts.service import NewAlert, record_alerts
from hotelreviews.observability.metrics import ALERTS_RAISED
from tests.support.api_client import api_client, api_key_headers, user_headers
from tests.support.builders import Catalog

ALERTS = "/api/v1/alerts"
DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def hotels(engine: AsyncEngine) -> dict[str, int]:
    catalog = Catalog(engine)
    provider = await catalog.provider("Agoda", key="332")
    harbour = await catalog.hotel("Harbourfront Lantern Hotel", city="Singapore")
    marina = await catalog.hotel("Marina Crescent", city="Singapore")
    quiet = await catalog.hotel("Quiet House", city="Berlin")
    review = await catalog.review(harbour, provider, rating=2.0, review_date=DAY)
    return {"harbour": harbour, "marina": marina, "quiet": quiet, "review": review}


def _alerts(hotels: dict[str, int]) -> list[NewAlert]:
    harbour, marina = hotels["harbour"], hotels["marina"]
    return [
        NewAlert(
            key=f"{harbour}:aspect_deterioration:cleanliness:2026-W44",
            hotel_id=harbour,
            kind="aspect_deterioration",
            aspect="cleanliness",
            onset=date(2026, 10, 26),
            detected_at=DAY,
            severity=2.1,
            message="Cleanliness complaints doubled in four weeks: 14 of 31 opinions negative "
            "since 26 Oct, against 7 of 60 before",
            evidence={"negative_after": 14, "total_after": 31},
        ),
        NewAlert(
            key=f"{harbour}:rating_drop:2026-W45",
            hotel_id=harbour,
            kind="rating_drop",
            onset=date(2026, 11, 2),
            detected_at=DAY + timedelta(days=1),
            severity=1.4,
            message="The mean rating fell from 8.4 to 6.9 since 2 Nov (41 reviews)",
        ),
        NewAlert(
            key=f"{marina}:volume_burst:2026-11-03",
            hotel_id=marina,
            kind="volume_burst",
            onset=date(2026, 11, 3),
            detected_at=DAY + timedelta(days=2),
            severity=6.0,
            message="32 reviews on 3 Nov against a usual 3 a day",
        ),
        NewAlert(
            key=f"{harbour}:suspicious_duplicates:{hotels['review']}",
            hotel_id=harbour,
            kind="suspicious_duplicates",
            review_id=hotels["review"],
            onset=date(2026, 11, 2),
            detected_at=DAY + timedelta(days=3),
            severity=0.9,
            message="5 near-identical reviews within 2 days",
        ),
    ]


async def _record(engine: AsyncEngine, raised: list[NewAlert]) -> int:
    async with write_transaction(engine) as connection:
        return await record_alerts(connection, raised=raised)


async def _list(
    client: httpx.AsyncClient, role: str = "analyst", headers: dict | None = None, **params: object
) -> dict:
    headers = headers or await api_key_headers(client, role)
    response = await client.get(ALERTS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    AlertPage.model_validate(response.json())
    return response.json()  # type: ignore[no-any-return]


async def test_an_alert_is_stored_and_counted_once_however_often_it_is_raised(
    client: httpx.AsyncClient, engine: AsyncEngine, hotels: dict[str, int]
) -> None:
    drops = ALERTS_RAISED.labels(kind="rating_drop")
    before = drops._value.get()
    assert await _record(engine, _alerts(hotels)) == 4
    assert await _record(engine, _alerts(hotels)) == 0
    assert drops._value.get() == before + 1
    body = await _list(client)
    assert [item["kind"] for item in body["items"]] == [
        "suspicious_duplicates",
        "volume_burst",
        "rating_drop",
        "aspect_deterioration",
    ]
    [flagged] = [item for item in body["items"] if item["review_id"] is not None]
    assert flagged["review_id"] == hotels["review"]
    [worse] = [item for item in body["items"] if item["aspect"] == "cleanliness"]
    assert worse["evidence"] == {"negative_after": 14, "total_after": 31}
    assert worse["onset"] == "2026-10-26"
    assert worse["message"].startswith("Cleanliness complaints doubled in four weeks")


async def test_alerts_are_filtered_by_hotel_kind_aspect_and_time(
    client: httpx.AsyncClient, engine: AsyncEngine, hotels: dict[str, int]
) -> None:
    await _record(engine, _alerts(hotels))
    harbour = await _list(client, hotel_id=hotels["harbour"])
    assert len(harbour["items"]) == 3
    assert {item["hotel_id"] for item in harbour["items"]} == {hotels["harbour"]}
    [burst] = (await _list(client, kind="volume_burst"))["items"]
    assert burst["hotel_id"] == hotels["marina"]
    [clean] = (await _list(client, aspect="cleanliness"))["items"]
    assert clean["kind"] == "aspect_deterioration"
    later = await _list(client, since="2026-11-03", until="2026-11-04")
    assert [item["kind"] for item in later["items"]] == ["volume_burst", "rating_drop"]
    # A hotel with no alerts is an empty page, not an error.
    assert (await _list(client, hotel_id=hotels["quiet"]))["items"] == []


async def test_alerts_are_paged_newest_first_with_a_cursor_and_a_total(
    client: httpx.AsyncClient, engine: AsyncEngine, hotels: dict[str, int]
) -> None:
    await _record(engine, _alerts(hotels))
    manager = await user_headers(
        client, "mia", "manager", hotel_ids=[hotels["harbour"], hotels["marina"]]
    )
    first = await _list(client, headers=manager, limit=3, include_total="true")
    assert first["total"] == 4 and len(first["items"]) == 3
    second = await _list(client, headers=manager, limit=3, cursor=first["next_cursor"])
    assert second["next_cursor"] is None
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert len(set(ids)) == 4


@pytest.mark.parametrize("role", ["manager", "analyst", "admin"])
async def test_managers_analysts_and_admins_read_alerts(
    client: httpx.AsyncClient, role: str
) -> None:
    assert (await _list(client, role))["items"] == []


async def test_the_ingest_role_is_refused_and_anonymous_callers_must_sign_in(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.get(ALERTS, headers=await api_key_headers(client, "ingest"))
    assert refused.status_code == 403
    assert (await client.get(ALERTS)).status_code == 401


async def test_an_unknown_hotel_is_404_and_bad_filters_are_422(
    client: httpx.AsyncClient, hotels: dict[str, int]
) -> None:
    headers = await api_key_headers(client, "analyst")
    missing = await client.get(ALERTS, params={"hotel_id": 987654}, headers=headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "hotel_not_found"
    for params in ({"kind": "fraud"}, {"aspect": "spa"}, {"hotel_id": 0}, {"since": "soon"}):
        bad = await client.get(ALERTS, params=params, headers=headers)
        assert bad.status_code == 422, (params, bad.text)
