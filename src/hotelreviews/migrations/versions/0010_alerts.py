"""Review intelligence's alerts: `alerts`, one row per alert raised, unique by its key.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KINDS = ("rating_drop", "volume_burst", "aspect_deterioration", "suspicious_duplicates")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("alert_key", sa.String(200), nullable=False),
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_alerts_hotel_id_hotels"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("aspect", sa.String(16)),
        sa.Column(
            "review_id", BigId, sa.ForeignKey("reviews.id", name="fk_alerts_review_id_reviews")
        ),
        sa.Column("onset", sa.Date, nullable=False),
        sa.Column("detected_at", Timestamp, nullable=False),
        sa.Column("severity", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("evidence", JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("alert_key", name="uq_alerts_alert_key"),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")", name="ck_alerts_kind"
        ),
    )
    op.create_index("ix_alerts_detected_at_id", "alerts", ["detected_at", "id"])
    op.create_index(
        "ix_alerts_hotel_id_detected_at_id", "alerts", ["hotel_id", "detected_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("alerts")
