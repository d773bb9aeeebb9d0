"""`review_opinions`: the aspect analyser's output per review, kept so that nothing analyses a
review twice. `source_changed_at` is the review's `last_changed_at` the row was computed from:
a review edited since (a newer `last_changed_at`) is analysed again."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

review_opinions = sa.Table(
    "review_opinions",
    metadata,
    sa.Column("review_id", BigId, sa.ForeignKey("reviews.id"), primary_key=True),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), nullable=False),
    # The review's UTC day: the day series of the alert detectors buckets on it.
    sa.Column("review_day", sa.Date, nullable=False),
    # Given by the feed or detected; null when neither says.
    sa.Column("language", sa.String(16)),
    # [[aspect, polarity, score, source, sentence], ...]: compact, one per (aspect, sentence).
    sa.Column("opinions", JSONDocument, nullable=False),
    sa.Column("analysed_at", UTCDateTime, nullable=False),
    sa.Column("source_changed_at", UTCDateTime, nullable=False),
    sa.Index("ix_review_opinions_hotel_id_review_day", "hotel_id", "review_day"),
)
