"""The event outbox: `events`, one row per event (new reviews, alerts), ids in commit order.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KINDS = ("reviews", "alert")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("occurred_at", Timestamp, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_events_hotel_id_hotels"),
            nullable=False,
        ),
        sa.Column("payload", JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")", name="ck_events_kind"
        ),
        # Ids of pruned events are never reused (SQLite would otherwise reuse the largest).
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_hotel_id_id", "events", ["hotel_id", "id"])
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])


def downgrade() -> None:
    op.drop_table("events")
