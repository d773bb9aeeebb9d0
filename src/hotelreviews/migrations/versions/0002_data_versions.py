"""Data versions: a counter per scope, bumped by every ingestion batch, that keys the API cache.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    data_versions = op.create_table(
        "data_versions",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    # The row exists from the start, so writers only ever update it (no insert races).
    op.bulk_insert(data_versions, [{"scope": "reviews", "version": 0}])


def downgrade() -> None:
    op.drop_table("data_versions")
