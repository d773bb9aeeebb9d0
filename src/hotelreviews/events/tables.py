"""`events`: the outbox of what changed, one row per event, written in the transaction of the
data it announces, so that an event exists if and only if its data committed.

The id is the event's position: streams send it as the SSE `id:` and resume after it. It only
grows (on SQLite AUTOINCREMENT, so that ids of pruned rows are never handed out again), and
writers take a lock before inserting (events.outbox) so that ids also commit in order: a
reader that has seen id N has seen every committed event before it.

An "ingestion" event (an ingestion's progress or status) is about no hotel: its hotel_id is
null, and only its kind may have none (the `hotel` check), so a hotel filter never meets one.
`owner` is who the event's subject belongs to (ingestion events: the Identity.key that queued
the ingestion; null: nobody's, like the CLI's runs), so that streams can give an `ingest`
identity its own ingestions' events in SQL, as GET /api/v1/ingestions does
(security.policies.own_ingestions_only), without reading every payload.
"""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

EVENT_KINDS = ("reviews", "alert", "ingestion")
# The one kind that is about no hotel.
WITHOUT_HOTEL = "ingestion"

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id")),
    sa.Column("payload", JSONDocument, nullable=False),
    sa.Column("owner", sa.String(100)),
    sa.CheckConstraint(
        "kind IN (" + ", ".join(f"'{kind}'" for kind in EVENT_KINDS) + ")", name="kind"
    ),
    sa.CheckConstraint(f"(hotel_id IS NULL) = (kind = '{WITHOUT_HOTEL}')", name="hotel"),
    sa.Index("ix_events_hotel_id_id", "hotel_id", "id"),
    # Pruning by age walks this index from its old end.
    sa.Index("ix_events_occurred_at", "occurred_at"),
    sqlite_autoincrement=True,
)
