"""Hotels, their incrementally maintained review summaries and provider standings history."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

hotels = sa.Table(
    "hotels",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("external_id", sa.String(128), nullable=False, unique=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("city", sa.String(200)),
    sa.Column("country", sa.String(200)),
    sa.Column("address", sa.String(500)),
    sa.Column("stars", sa.Float),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("amenities", JSONDocument),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One row per hotel. Ratings are summed in hundredths as integers so that adding and
# subtracting edited reviews never drifts: a re-run always reaches the same numbers.
hotel_summaries = sa.Table(
    "hotel_summaries",
    metadata,
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), primary_key=True),
    sa.Column("review_count", sa.Integer, nullable=False),
    sa.Column("rating_sum_centi", sa.BigInteger, nullable=False),
    sa.Column("rating_mean", sa.Float),
    sa.Column("latest_review_at", UTCDateTime),
)

# Breakdowns of the summary: dimension is histogram (key "1".."10"), provider (provider id),
# aspect (aspect name) or traveller_type. Same arithmetic as hotel_summaries.
hotel_summary_breakdowns = sa.Table(
    "hotel_summary_breakdowns",
    metadata,
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("review_count", sa.Integer, nullable=False),
    sa.Column("rating_sum_centi", sa.BigInteger, nullable=False),
)

hotel_provider_standings = sa.Table(
    "hotel_provider_standings",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), nullable=False),
    sa.Column("provider_id", sa.Integer, sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("review_count", sa.Integer),
    sa.Column("grades", JSONDocument, nullable=False),
    sa.UniqueConstraint("hotel_id", "provider_id", "as_of"),
)
