"""Duplicate detection's stored index and flags: `review_signatures` (a MinHash signature per
judged review), `review_lsh_buckets` (its LSH band hashes, looked up by (bucket, band)) and
`review_flags` (cross-posts, near-duplicates and bursts: flagged, never deleted).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _review_fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey("reviews.id", name=f"fk_{table}_review_id_reviews")


def _hotel_fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey("hotels.id", name=f"fk_{table}_hotel_id_hotels")


def upgrade() -> None:
    op.create_table(
        "review_signatures",
        sa.Column("review_id", BigId, _review_fk("review_signatures"), nullable=False),
        sa.Column("hotel_id", BigId, _hotel_fk("review_signatures"), nullable=False),
        sa.Column("signature", sa.LargeBinary),
        sa.Column("judged_at", Timestamp, nullable=False),
        sa.Column("source_changed_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("review_id", name="pk_review_signatures"),
    )
    op.create_table(
        "review_lsh_buckets",
        sa.Column("bucket", sa.BigInteger, nullable=False),
        sa.Column("band", sa.SmallInteger, nullable=False),
        sa.Column("review_id", BigId, _review_fk("review_lsh_buckets"), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "band", "review_id", name="pk_review_lsh_buckets"),
    )
    op.create_index("ix_review_lsh_buckets_review_id", "review_lsh_buckets", ["review_id"])
    op.create_table(
        "review_flags",
        sa.Column("review_id", BigId, _review_fk("review_flags"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("hotel_id", BigId, _hotel_fk("review_flags"), nullable=False),
        sa.Column("matches", JSONDocument, nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("flagged_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("review_id", "kind", name="pk_review_flags"),
        sa.CheckConstraint(
            "kind IN ('cross_post', 'near_duplicate', 'suspicious_burst')",
            name="ck_review_flags_kind",
        ),
    )


def downgrade() -> None:
    op.drop_table("review_flags")
    op.drop_table("review_lsh_buckets")
    op.drop_table("review_signatures")
