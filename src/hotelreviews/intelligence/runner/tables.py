"""`intelligence_progress`: the runner's one row — the last event id whose effects are stored.
Written in the same transaction as those effects, so a crash re-runs from where it stood."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, UTCDateTime

intelligence_progress = sa.Table(
    "intelligence_progress",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),  # always 1
    sa.Column("last_event_id", BigId, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("id = 1", name="one_row"),
)
