"""`review_flags`: one row per (review, kind) duplicate detection raised (cross_post,
near_duplicate, suspicious_burst). Reviews are flagged, never deleted; the review API shows
a review's flags beside it. An edited review is judged again and its flags replaced."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

FLAG_KINDS = ("cross_post", "near_duplicate", "suspicious_burst")

review_flags = sa.Table(
    "review_flags",
    metadata,
    sa.Column("review_id", BigId, sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), nullable=False),
    # The ids of the reviews it matched, most similar first.
    sa.Column("matches", JSONDocument, nullable=False),
    sa.Column("similarity", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("flagged_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("review_id", "kind"),
    sa.CheckConstraint(
        "kind IN (" + ", ".join(f"'{kind}'" for kind in FLAG_KINDS) + ")", name="kind"
    ),
)
