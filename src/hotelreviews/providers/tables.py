"""Review providers (Agoda, Booking.com, a hotel group's own feed...)."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import UTCDateTime

providers = sa.Table(
    "providers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Stable identity from the feed: "332" for Agoda's providerId, "feed:<source>" for flat feeds.
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("rating_scale", sa.Float, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
