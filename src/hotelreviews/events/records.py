"""Events as read back from the outbox, and which of them a client is to be sent."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotelreviews.security.roles import ADMIN, ANALYST, MANAGER

# Who may see alert events (the same people GET /api/v1/alerts admits).
ALERT_READERS = frozenset({ADMIN, MANAGER, ANALYST})
ALL_KINDS = frozenset({"reviews", "alert"})


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    kind: str
    hotel_id: int
    occurred_at: datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, row: Any) -> StoredEvent:
        mapping = row._mapping
        return cls(
            id=mapping["id"],
            kind=mapping["kind"],
            hotel_id=mapping["hotel_id"],
            occurred_at=mapping["occurred_at"],
            payload=mapping["payload"],
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
    hotels they manage: `alert_hotel_ids`, None for every hotel, security.hotel_scope)."""

    hotel_ids: frozenset[int]
    kinds: frozenset[str]
    alert_hotel_ids: frozenset[int] | None = None

    @classmethod
    def for_client(
        cls,
        *,
        hotel_ids: Collection[int],
        kind: str | None,
        roles: Collection[str],
        alert_hotel_ids: Collection[int] | None = None,
    ) -> EventFilter:
        kinds = ALL_KINDS if kind is None else frozenset({kind})
        if not ALERT_READERS & set(roles):
            kinds = kinds - {"alert"}
        alert_hotels = None if alert_hotel_ids is None else frozenset(alert_hotel_ids)
        return cls(hotel_ids=frozenset(hotel_ids), kinds=kinds, alert_hotel_ids=alert_hotels)

    def matches(self, event: StoredEvent) -> bool:
        return (
            event.kind in self.kinds
            and (not self.hotel_ids or event.hotel_id in self.hotel_ids)
            and (
                event.kind != "alert"
                or self.alert_hotel_ids is None
                or event.hotel_id in self.alert_hotel_ids
            )
        )
