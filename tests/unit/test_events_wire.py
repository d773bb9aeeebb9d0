"""The pure parts of the event stream: the SSE wire format, who gets which event, and the
bounded buffer that drops a client instead of growing."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st

from hotelreviews.events import sse
from hotelreviews.events.notify import decode_notice, encode_notice
from hotelreviews.events.records import EventFilter, StoredEvent
from hotelreviews.events.subscriber import Subscriber
from hotelreviews.security.identity import ANONYMOUS, Identity

AT = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def event(event_id: int, *, kind: str = "reviews", hotel_id: int = 1) -> StoredEvent:
    return StoredEvent(
        id=event_id, kind=kind, hotel_id=hotel_id, occurred_at=AT, payload={"new": 1}
    )


def ingestion_event(event_id: int, *, owner: str | None) -> StoredEvent:
    return StoredEvent(
        id=event_id,
        kind="ingestion",
        hotel_id=None,
        occurred_at=AT,
        payload={"ingestion_id": 3, "status": "running"},
        owner=owner,
    )


def someone(*roles: str, user_id: int = 7) -> Identity:
    return Identity(kind="user", id=user_id, name="someone", roles=frozenset(roles))


def test_an_event_is_one_message_with_its_id_kind_and_json_data() -> None:
    text = sse.event_message(event(42)).decode()

    lines = text.split("\n")
    assert lines[:2] == ["id: 42", "event: reviews"]
    assert lines[3:] == ["", ""]  # a blank line ends the message
    data = orjson.loads(lines[2].removeprefix("data: "))
    assert data == {
        "id": 42,
        "kind": "reviews",
        "hotel_id": 1,
        "occurred_at": "2026-12-06T09:30:00+00:00",
        "payload": {"new": 1},
    }


def test_a_payload_with_newlines_still_fits_on_one_data_line() -> None:
    tricky = StoredEvent(
        id=1, kind="alert", hotel_id=1, occurred_at=AT, payload={"message": "a\nb\r\n\nc"}
    )

    text = sse.event_message(tricky).decode()

    assert text.count("\n") == 4  # id, event, data, blank
    assert text.count("\r") == 0


def test_the_reconnect_message_carries_no_id_so_the_clients_last_id_stays() -> None:
    text = sse.reconnect_message(last_event_id=7, detail="behind").decode()

    assert text.startswith("event: reconnect\ndata: ")
    assert "\nid:" not in text and not text.startswith("id:")
    assert orjson.loads(text.split("data: ")[1]) == {"last_event_id": 7, "detail": "behind"}


def test_only_managers_and_analysts_get_alerts_whatever_they_ask_for() -> None:
    anonymous = EventFilter.for_client(hotel_ids=(), kind=None, identity=ANONYMOUS)
    asks_alerts = EventFilter.for_client(hotel_ids=(), kind="alert", identity=someone("ingest"))
    analyst = EventFilter.for_client(hotel_ids=(), kind=None, identity=someone("analyst"))

    assert anonymous.matches(event(1)) and not anonymous.matches(event(2, kind="alert"))
    assert asks_alerts.kinds == frozenset()
    assert analyst.matches(event(2, kind="alert"))


def test_a_hotel_filter_keeps_only_those_hotels() -> None:
    two = EventFilter.for_client(hotel_ids=[3, 5], kind=None, identity=ANONYMOUS)

    assert [two.matches(event(1, hotel_id=h)) for h in (3, 4, 5)] == [True, False, True]


def test_a_managers_filter_keeps_alerts_of_their_hotels_and_every_reviews_event() -> None:
    manager = EventFilter.for_client(
        hotel_ids=(), kind=None, identity=someone("manager"), alert_hotel_ids=[3]
    )

    assert manager.matches(event(1, kind="alert", hotel_id=3))
    assert not manager.matches(event(2, kind="alert", hotel_id=4))
    assert manager.matches(event(3, kind="reviews", hotel_id=4))


def test_ingestion_events_go_to_those_who_see_the_ingestion_and_to_no_one_else() -> None:
    mine, theirs, nobodys = (
        ingestion_event(1, owner="user:7"),
        ingestion_event(2, owner="user:8"),
        ingestion_event(3, owner=None),
    )
    seen = {
        who: [
            EventFilter.for_client(hotel_ids=(), kind=None, identity=identity).matches(event)
            for event in (mine, theirs, nobodys)
        ]
        for who, identity in {
            "admin": someone("admin"),
            "analyst": someone("analyst"),
            "ingest": someone("ingest"),
            "manager": someone("manager"),
            "anonymous": ANONYMOUS,
        }.items()
    }

    assert seen == {
        "admin": [True, True, True],
        "analyst": [True, True, True],
        "ingest": [True, False, False],
        "manager": [False, False, False],
        "anonymous": [False, False, False],
    }


def test_a_hotel_filter_leaves_ingestion_events_out_even_for_an_admin() -> None:
    admin = EventFilter.for_client(hotel_ids=[1], kind=None, identity=someone("admin"))
    asked = EventFilter.for_client(hotel_ids=[1], kind="ingestion", identity=someone("admin"))

    assert not admin.matches(ingestion_event(1, owner=None)) and admin.matches(event(2))
    assert asked.kinds == frozenset()


def test_an_ingestion_event_carries_no_hotel_and_never_its_owner() -> None:
    data = orjson.loads(sse.event_message(ingestion_event(5, owner="user:7")).split(b"data: ")[1])

    assert data["hotel_id"] is None and "owner" not in data
    assert data["payload"] == {"ingestion_id": 3, "status": "running"}


def test_notices_round_trip_and_strangers_are_not_ids() -> None:
    assert decode_notice(encode_notice(123456789)) == 123456789
    assert decode_notice(b"-1") is None
    assert decode_notice(b"\xff\xfe") is None
    assert decode_notice(b"9" * 40) is None


@given(
    capacity=st.integers(min_value=1, max_value=8),
    hotels=st.lists(st.integers(min_value=1, max_value=3), max_size=20),
)
def test_a_buffer_holds_every_wanted_event_in_order_until_it_would_overflow(
    capacity: int, hotels: list[int]
) -> None:
    subscriber = Subscriber(
        EventFilter.for_client(hotel_ids=[1], kind=None, identity=ANONYMOUS), capacity=capacity
    )

    for number, hotel in enumerate(hotels, start=1):
        subscriber.offer(event(number, hotel_id=hotel))

    wanted = [number for number, hotel in enumerate(hotels, start=1) if hotel == 1]
    assert subscriber.overflowed == (len(wanted) > capacity)
    taken = [taken.id for taken in subscriber.take()]
    assert taken == ([] if subscriber.overflowed else wanted)


def test_the_retry_hint_sets_the_clients_last_id_without_being_an_event() -> None:
    assert sse.retry_hint(3000, last_event_id=41) == b"retry: 3000\nid: 41\n\n"
