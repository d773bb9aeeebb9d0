"""Alert states and managers' hotels: `alerts` gains status (open, acknowledged, resolved),
who changed it when, and a note; `user_hotels` says which hotels each user manages.

Every alert stored so far becomes open (the column's default). On SQLite the status column is
added with its check in one ALTER TABLE (SQLite cannot add a table constraint to an existing
table, but takes a column's own); a downgrade drops the columns again, which SQLite allows for
a column whose only check is its own.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
STATUSES = ("open", "acknowledged", "resolved")
_CHECK = "ck_alerts_status"
_STATUS_SQL = "status IN (" + ", ".join(f"'{status}'" for status in STATUSES) + ")"
_INDEX = "ix_alerts_status_detected_at_id"
_CHANGE_COLUMNS = ("status_changed_at", "status_changed_by", "status_note")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE alerts ADD COLUMN status VARCHAR(16) DEFAULT 'open' NOT NULL "
            f"CONSTRAINT {_CHECK} CHECK ({_STATUS_SQL})"
        )
    else:
        op.add_column(
            "alerts",
            sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'open'")),
        )
        op.create_check_constraint(_CHECK, "alerts", _STATUS_SQL)
    op.add_column("alerts", sa.Column("status_changed_at", Timestamp))
    op.add_column("alerts", sa.Column("status_changed_by", sa.String(64)))
    op.add_column("alerts", sa.Column("status_note", sa.String(500)))
    op.create_index(_INDEX, "alerts", ["status", "detected_at", "id"])
    op.create_table(
        "user_hotels",
        sa.Column("user_id", BigId, sa.ForeignKey("users.id", name="fk_user_hotels_user_id_users")),
        sa.Column(
            "hotel_id", BigId, sa.ForeignKey("hotels.id", name="fk_user_hotels_hotel_id_hotels")
        ),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "hotel_id", name="pk_user_hotels"),
    )


def downgrade() -> None:
    op.drop_table("user_hotels")
    op.drop_index(_INDEX, table_name="alerts")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_CHECK, "alerts", type_="check")
    for column in ("status", *_CHANGE_COLUMNS):
        op.execute(f"ALTER TABLE alerts DROP COLUMN {column}")
