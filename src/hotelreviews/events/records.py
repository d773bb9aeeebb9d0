"""Events as read back from the outbox, and which of them a client is to be sent."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotelreviews.events.tables import EVENT_KINDS, WITHOUT_HOTEL
from hotelreviews.security.identity import Identity
from hotelreviews.security.policies import INGESTION_READ, own_ingestions_only
from hotelreviews.security.roles import ADMIN, ANALYST, MANAGER

# Who may see alert events (the same people GET /api/v1/alerts admits).
ALERT_READERS = frozenset({ADMIN, MANAGER, ANALYST})
ALL_KINDS = frozenset(EVENT_KINDS)
INGESTION = WITHOUT_HOTEL


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    kind: str
    hotel_id: int | None  # None for ingestion events
    occurred_at: datetime
    payload: dict[str, Any]
    owner: str | None = None  # ingestion events: who queued the ingestion (never shown)

    @classmethod
    def of(cls, row: Any) -> StoredEvent:
        mapping = row._mapping
        return cls(
            id=mapping["id"],
            kind=mapping["kind"],
            hotel_id=mapping["hotel_id"],
            occurred_at=mapping["occurred_at"],
            payload=mapping["payload"],
            owner=mapping["owner"],
        )

    def as_data(self) -> dict[str, Any]:
        """The event as the API shows it (JSON page item, SSE `data:`)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "hotel_id": self.hotel_id,
            "occurred_at": self.occurred_at,
            "payload": self.payload,
        }


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a client gets: its hotels (empty: all) and the kinds it asked for and may
    see (an alert only with the manager, analyst or admin role, and a manager's only of the
    hotels they manage: `alert_hotel_ids`, None for every hotel, security.hotel_scope; an
    ingestion event only with a role that may read ingestions, and then only of the
    ingestions GET /api/v1/ingestions shows it: `ingestion_owner`,
    security.policies.own_ingestions_only).

    A hotel filter excludes ingestion events: they are about no hotel, and a client that
    asked for some hotels asked for those hotels' news, not for the operations console's."""

    hotel_ids: frozenset[int]
    kinds: frozenset[str]
    alert_hotel_ids: frozenset[int] | None = None
    # Ingestion events of this identity key's ingestions only; None: all the kinds admit.
    ingestion_owner: str | None = None

    @classmethod
    def for_client(
        cls,
        *,
        hotel_ids: Collection[int],
        kind: str | None,
        identity: Identity,
        alert_hotel_ids: Collection[int] | None = None,
    ) -> EventFilter:
        kinds = ALL_KINDS if kind is None else frozenset({kind})
        if not ALERT_READERS & identity.roles:
            kinds = kinds - {"alert"}
        if hotel_ids or not INGESTION_READ.roles & identity.roles:
            kinds = kinds - {INGESTION}
        return cls(
            hotel_ids=frozenset(hotel_ids),
            kinds=kinds,
            alert_hotel_ids=None if alert_hotel_ids is None else frozenset(alert_hotel_ids),
            # The ingestions API's own rule (who sees which ingestion), not a copy of it.
            ingestion_owner=own_ingestions_only(identity),
        )

    def matches(self, event: StoredEvent) -> bool:
        if event.kind not in self.kinds:
            return False
        if event.kind == INGESTION:
            return self.ingestion_owner is None or event.owner == self.ingestion_owner
        if (
            event.kind == "alert"
            and self.alert_hotel_ids is not None
            and event.hotel_id not in self.alert_hotel_ids
        ):
            return False
        return not self.hotel_ids or event.hotel_id in self.hotel_ids
