"""Alert states on both backends: PATCH /api/v1/alerts/{id} (roles, a manager's hotels, 404,
422, the audit event, the outbox event, the metric), the status filter, an alert raised again
keeping its state, and the hotels a signed-in user manages read at each request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.audit.tables import audit_events
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.intelligence.alerts.schemas import AlertRead
from hotelreviews.intelligence.alerts.service import NewAlert, record_alerts
from hotelreviews.observability.metrics import ALERT_STATUS_CHANGES
from hotelreviews.security import user_hotels
from tests.support.api_client import api_client, api_key_headers, user_headers
from tests.support.builders import Catalog

ALERTS = "/api/v1/alerts"
DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


def _raised(hotel_id: int, week: int) -> NewAlert:
    return NewAlert(
        key=f"{hotel_id}:rating_drop:2026-W{week}",
        hotel_id=hotel_id,
        kind="rating_drop",
        onset=date.fromisocalendar(2026, week, 1),
        detected_at=DAY,
        severity=1.4,
        message="The mean rating fell from 8.4 to 6.9",
    )


@pytest.fixture
async def raised(engine: AsyncEngine) -> dict[str, int]:
    """Two hotels, harbour with two alerts and marina with one: names to ids."""
    catalog = Catalog(engine)
    harbour = await catalog.hotel("Harbourfront Lantern Hotel", city="Singapore")
    marina = await catalog.hotel("Marina Crescent", city="Singapore")
    alerts = [_raised(harbour, 44), _raised(harbour, 45), _raised(marina, 45)]
    async with write_transaction(engine) as connection:
        assert await record_alerts(connection, raised=alerts) == 3
    async with engine.connect() as connection:
        ids = {
            key: alert_id
            for key, alert_id in await connection.execute(
                sa.text("SELECT alert_key, id FROM alerts")
            )
        }
    return {
        "harbour": harbour,
        "marina": marina,
        "harbour_first": ids[alerts[0].key],
        "harbour_second": ids[alerts[1].key],
        "marina_alert": ids[alerts[2].key],
    }


async def _patch(
    client: httpx.AsyncClient, alert_id: int, headers: dict[str, str], **body: object
) -> httpx.Response:
    return await client.patch(f"{ALERTS}/{alert_id}", json=body, headers=headers)


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], **params: object) -> set[int]:
    response = await client.get(ALERTS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def _audited(engine: AsyncEngine, alert_id: int) -> list[dict]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(audit_events.c.actor_kind, audit_events.c.details).where(
                audit_events.c.action == "alert.status_change",
                audit_events.c.target_id == str(alert_id),
            )
        )
        return [{"actor": kind, **details} for kind, details in rows]


async def test_every_alert_is_open_until_someone_acknowledges_or_resolves_it(
    client: httpx.AsyncClient, engine: AsyncEngine, raised: dict[str, int]
) -> None:
    analyst = await api_key_headers(client, "analyst")
    resolved_before = ALERT_STATUS_CHANGES.labels(status="resolved")._value.get()
    assert await _ids(client, analyst, status="open") == {
        raised["harbour_first"],
        raised["harbour_second"],
        raised["marina_alert"],
    }

    acknowledged = await _patch(
        client, raised["harbour_first"], analyst, status="acknowledged", note="  on it  "
    )
    resolved = await _patch(client, raised["marina_alert"], analyst, status="resolved")

    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.headers["cache-control"] == "no-store"
    body = AlertRead.model_validate(acknowledged.json())
    assert (body.status, body.status_note) == ("acknowledged", "on it")
    assert body.status_changed_by is not None and body.status_changed_by.startswith("key:")
    assert body.status_changed_at is not None
    assert resolved.json()["status"] == "resolved" and resolved.json()["status_note"] is None
    assert await _ids(client, analyst, status="open") == {raised["harbour_second"]}
    assert await _ids(client, analyst, status=["acknowledged", "resolved"]) == {
        raised["harbour_first"],
        raised["marina_alert"],
    }
    assert len(await _ids(client, analyst)) == 3  # no status filter: every state
    assert ALERT_STATUS_CHANGES.labels(status="resolved")._value.get() == resolved_before + 1
    [audited] = await _audited(engine, raised["harbour_first"])
    assert audited == {
        "actor": "key",
        "hotel_id": raised["harbour"],
        "from": "open",
        "to": "acknowledged",
        "note": "on it",
    }


async def test_any_state_may_follow_another_and_setting_the_same_one_changes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, raised: dict[str, int]
) -> None:
    first = await api_key_headers(client, "analyst")
    second = await api_key_headers(client, "admin")
    alert = raised["harbour_first"]
    done = (await _patch(client, alert, first, status="resolved", note="fixed")).json()

    again = await _patch(client, alert, second, status="resolved", note="me too")
    reopened = await _patch(client, alert, second, status="open", note="it is back")

    assert again.status_code == 200
    # Who resolved it first, and when, stay: the second click was no change.
    assert again.json() == done
    assert reopened.json()["status"] == "open"
    assert reopened.json()["status_changed_by"] != done["status_changed_by"]
    assert [(row["from"], row["to"]) for row in await _audited(engine, alert)] == [
        ("open", "resolved"),
        ("resolved", "open"),
    ]


async def test_a_change_is_an_alert_event_for_the_dashboards(
    client: httpx.AsyncClient, raised: dict[str, int]
) -> None:
    analyst = await api_key_headers(client, "analyst")
    await _patch(client, raised["marina_alert"], analyst, status="acknowledged")

    events = await client.get("/api/v1/events", params={"kind": "alert"}, headers=analyst)

    [event] = events.json()["items"]
    assert event["hotel_id"] == raised["marina"]
    assert event["payload"]["alert_id"] == raised["marina_alert"]
    assert (event["payload"]["previous_status"], event["payload"]["status"]) == (
        "open",
        "acknowledged",
    )


async def test_an_alert_raised_again_keeps_the_state_people_gave_it(
    client: httpx.AsyncClient, engine: AsyncEngine, raised: dict[str, int]
) -> None:
    analyst = await api_key_headers(client, "analyst")
    await _patch(client, raised["harbour_first"], analyst, status="resolved", note="fixed")

    async with write_transaction(engine) as connection:
        stored = await record_alerts(connection, raised=[_raised(raised["harbour"], 44)])

    assert stored == 0
    assert await _ids(client, analyst, status="resolved") == {raised["harbour_first"]}


async def test_a_manager_sees_and_changes_the_alerts_of_their_hotels_only(
    client: httpx.AsyncClient, raised: dict[str, int]
) -> None:
    manager = await user_headers(client, "mia", "manager", hotel_ids=[raised["harbour"]])
    harbour_alerts = {raised["harbour_first"], raised["harbour_second"]}

    mine = await _patch(client, raised["harbour_first"], manager, status="acknowledged")
    other = await _patch(client, raised["marina_alert"], manager, status="resolved")

    assert await _ids(client, manager) == harbour_alerts
    # Asking for another hotel's alerts: none of them.
    assert await _ids(client, manager, hotel_id=raised["marina"]) == set()
    assert mine.status_code == 200
    assert mine.json()["status_changed_by"].startswith("user:")
    # Another hotel's alert is answered as an unknown one: ids tell nothing.
    assert other.status_code == 404 and other.json()["code"] == "alert_not_found"
    analyst = await api_key_headers(client, "analyst")
    assert raised["marina_alert"] in await _ids(client, analyst, status="open")


async def test_a_manager_key_and_a_manager_without_hotels_see_no_alert(
    client: httpx.AsyncClient, raised: dict[str, int]
) -> None:
    for headers in (
        await api_key_headers(client, "manager"),
        await user_headers(client, "nemo", "manager"),
    ):
        assert await _ids(client, headers) == set()
        refused = await _patch(client, raised["harbour_first"], headers, status="resolved")
        assert refused.status_code == 404


async def test_hotels_given_or_taken_count_from_the_next_request_with_the_same_token(
    client: httpx.AsyncClient, engine: AsyncEngine, raised: dict[str, int]
) -> None:
    manager = await user_headers(client, "mia", "manager", hotel_ids=[raised["harbour"]])
    me = await client.get("/api/v1/auth/me", headers=manager)
    assert (me.json()["hotel_ids"], me.json()["every_hotel"]) == ([raised["harbour"]], False)

    await user_hotels.add_hotels(engine=engine, username="mia", hotel_ids=[raised["marina"]])
    assert raised["marina_alert"] in await _ids(client, manager)
    await user_hotels.remove_hotels(engine=engine, username="mia", hotel_ids=[raised["harbour"]])

    assert await _ids(client, manager) == {raised["marina_alert"]}
    me = await client.get("/api/v1/auth/me", headers=manager)
    assert me.json()["hotel_ids"] == [raised["marina"]]


async def test_unknown_alerts_are_404_bad_bodies_422_and_other_roles_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, raised: dict[str, int]
) -> None:
    analyst = await api_key_headers(client, "analyst")
    alert = raised["harbour_first"]

    missing = await _patch(client, 987654, analyst, status="resolved")
    assert missing.status_code == 404 and missing.json()["code"] == "alert_not_found"
    for body in (
        {"status": "closed"},
        {"status": "resolved", "note": "x" * 501},
        {"status": "resolved", "note": "nul \x00 inside"},
        {"status": "resolved", "assignee": "mia"},
        {"note": "no status"},
    ):
        bad = await client.patch(f"{ALERTS}/{alert}", json=body, headers=analyst)
        assert bad.status_code == 422, (body, bad.text)
    bad_filter = await client.get(ALERTS, params={"status": "closed"}, headers=analyst)
    assert bad_filter.status_code == 422
    ingest = await _patch(client, alert, await api_key_headers(client, "ingest"), status="open")
    assert ingest.status_code == 403
    anonymous = await client.patch(f"{ALERTS}/{alert}", content=b"not json")
    assert anonymous.status_code == 401
    # Nothing of the refused requests was stored.
    assert await _ids(client, analyst, status="open") == await _ids(client, analyst)
    assert await _audited(engine, alert) == []
