"""Recommendations' inputs kept by the intelligence runner: `hotel_tastes` (ratings per
traveller type and a bounded term bag per hotel), and an index on reviews by reviewer (name,
country) for per-reviewer histories.

The runner's cursor row is deleted so that the runner resynchronises once (recomputes every
hotel, intelligence.runner.catch_up) and fills the new table for the hotels scored before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "hotel_tastes",
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_hotel_tastes_hotel_id_hotels"),
            nullable=False,
        ),
        sa.Column("ratings", JSONDocument, nullable=False),
        sa.Column("terms", JSONDocument, nullable=False),
        sa.Column("reviews", sa.Integer, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("hotel_id", name="pk_hotel_tastes"),
    )
    op.create_index(
        "ix_reviews_reviewer_name_reviewer_country",
        "reviews",
        ["reviewer_name", "reviewer_country"],
    )
    op.execute("DELETE FROM intelligence_progress")


def downgrade() -> None:
    op.drop_index("ix_reviews_reviewer_name_reviewer_country", table_name="reviews")
    op.drop_table("hotel_tastes")
