"""Reviews: one row per (provider, provider review id), the latest delivered version."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("provider_id", sa.Integer, sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("provider_review_id", sa.String(128), nullable=False),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), nullable=False),
    sa.Column("rating", sa.Float, nullable=False),
    sa.Column("rating_scale", sa.Float, nullable=False),
    sa.Column("rating_normalized", sa.Float, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("text", sa.Text),
    sa.Column("positives", sa.Text),
    sa.Column("negatives", sa.Text),
    sa.Column("language", sa.String(16)),
    sa.Column("review_date", UTCDateTime, nullable=False),
    sa.Column("review_date_offset_minutes", sa.SmallInteger, nullable=False),
    sa.Column("review_date_offset_missing", sa.Boolean, nullable=False),
    sa.Column("stay_month", sa.Date),
    sa.Column("traveller_type", sa.String(16)),
    sa.Column("room_type", sa.String(300)),
    sa.Column("length_of_stay", sa.Integer),
    sa.Column("reviewer_country", sa.String(200)),
    sa.Column("reviewer_name", sa.String(200)),
    sa.Column("reviewer_review_count", sa.Integer),
    sa.Column("reviewer_is_expert", sa.Boolean),
    sa.Column("has_response", sa.Boolean, nullable=False),
    sa.Column("response_responder", sa.String(300)),
    sa.Column("response_text", sa.Text),
    sa.Column("response_date_text", sa.String(100)),
    sa.Column("aspects", JSONDocument, nullable=False),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_changed_at", UTCDateTime, nullable=False),
    sa.Column("source_file_id", BigId, sa.ForeignKey("ingested_files.id"), nullable=False),
    sa.UniqueConstraint("provider_id", "provider_review_id"),
)
