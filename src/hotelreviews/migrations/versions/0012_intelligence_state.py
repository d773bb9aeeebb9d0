"""Review intelligence's stored state: `review_opinions` (aspects per review),
`hotel_reputation` (the index per hotel) and `intelligence_progress` (the runner's cursor).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "review_opinions",
        sa.Column(
            "review_id",
            BigId,
            sa.ForeignKey("reviews.id", name="fk_review_opinions_review_id_reviews"),
            nullable=False,
        ),
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_review_opinions_hotel_id_hotels"),
            nullable=False,
        ),
        sa.Column("review_day", sa.Date, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("opinions", JSONDocument, nullable=False),
        sa.Column("analysed_at", Timestamp, nullable=False),
        sa.Column("source_changed_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("review_id", name="pk_review_opinions"),
    )
    op.create_index(
        "ix_review_opinions_hotel_id_review_day", "review_opinions", ["hotel_id", "review_day"]
    )
    op.create_table(
        "hotel_reputation",
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_hotel_reputation_hotel_id_hotels"),
            nullable=False,
        ),
        sa.Column("state", JSONDocument, nullable=False),
        sa.Column("reputation_index", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("reviews_effective", sa.Float, nullable=False),
        sa.Column("aspects", JSONDocument, nullable=False),
        sa.Column("city_key", sa.String(200)),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("set_size", sa.Integer, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("hotel_id", name="pk_hotel_reputation"),
    )
    op.create_index("ix_hotel_reputation_city_key_band", "hotel_reputation", ["city_key", "band"])
    op.create_table(
        "intelligence_progress",
        sa.Column("id", sa.SmallInteger, nullable=False),
        sa.Column("last_event_id", BigId, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intelligence_progress"),
        sa.CheckConstraint("id = 1", name="ck_intelligence_progress_one_row"),
    )


def downgrade() -> None:
    op.drop_table("intelligence_progress")
    op.drop_table("hotel_reputation")
    op.drop_table("review_opinions")
