"""`hotel_reputation`: one row per scored hotel — its reputation state (the sums the index is
computed from, intelligence.reputation.state) and the figures the API shows, computed when the
runner last recomputed the hotel (`updated_at`)."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

hotel_reputation = sa.Table(
    "hotel_reputation",
    metadata,
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), primary_key=True),
    sa.Column("state", JSONDocument, nullable=False),
    sa.Column("reputation_index", sa.Float, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("reviews_effective", sa.Float, nullable=False),
    # {aspect: [score, confidence, mentions]}
    sa.Column("aspects", JSONDocument, nullable=False),
    # The competitive set: the city's hotels of the same star band; rank 1 = best.
    sa.Column("city_key", sa.String(200)),
    sa.Column("band", sa.String(16), nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("set_size", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_hotel_reputation_city_key_band", "city_key", "band"),
)
